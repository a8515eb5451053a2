// Native handler for the hello benchmark: the reply is built (and frozen)
// once at load time, so the server can encode it once and reuse the bytes.
import { text } from '../../dist/index.js';

const hello = text('Hello, World!');

export default { handle: () => hello };
