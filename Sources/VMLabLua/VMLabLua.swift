import VMLab
import LuaKit
