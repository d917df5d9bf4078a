/// A policy with one clock hand (Clock, enhanced clock, WSClock, SIEVE): the slot the hand
/// points at, so that students can compare it with their hand simulation.
public protocol ClockHand: AnyObject {
    /// The slot the hand points at now (-1: no position yet).
    var hand: Int { get }
}
