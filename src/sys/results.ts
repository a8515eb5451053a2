// The "normal" failures of a system call, returned as negative numbers instead
// of thrown: a server meets them all the time, and an exception per
// would-block would cost more than the call itself. A byte count or a
// descriptor is never negative, so the two kinds of answer cannot be confused.

/** EAGAIN/EWOULDBLOCK: non-blocking and nothing to do, or a SO_RCVTIMEO/SO_SNDTIMEO timeout expired. */
export const WOULD_BLOCK = -1;

/**
 * EINTR: a signal arrived during a blocking call. NOT retried here: the blocking
 * caller must yield to Node's event loop so the JS signal handler can run, then retry.
 */
export const INTERRUPTED = -2;

/**
 * EINPROGRESS: connect() on a non-blocking socket has started the TCP handshake
 * and returned at once. The socket turns writable when the handshake is over;
 * socketError() then tells how it went (0 = connected).
 */
export const IN_PROGRESS = -3;
