import type { Poller } from './poller.js';
import { EpollPoller } from './epoll.js';
import { PollPoller } from './poll.js';
import { SelectPoller } from './select.js';

export { READABLE, WRITABLE, FAILED, type Poller } from './poller.js';

export { POLLERS, type PollerName } from './names.js';
import type { PollerName } from './names.js';

export function createPoller(name: PollerName): Poller {
  switch (name) {
    case 'epoll':
      return new EpollPoller();
    case 'poll':
      return new PollPoller();
    case 'select':
      return new SelectPoller();
  }
}
