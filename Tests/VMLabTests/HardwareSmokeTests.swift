import Testing
@testable import VMLab
