// The readiness system calls the event loop can wait in (one file each in this folder).
export const POLLERS = ['epoll', 'poll', 'select'] as const;
export type PollerName = (typeof POLLERS)[number];
