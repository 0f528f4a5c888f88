/**
 * pushline.js: the browser client of a Pushline server's WebSocket endpoint. One ES module, no dependency, no
 * build step; a server started with `ServerWebSocket.builder().javaScriptClient(true)` serves it at `/pushline.js`.
 *
 * ```js
 * import { PushlineClient } from '/pushline.js';
 *
 * const client = new PushlineClient('wss://push.example.com/ws', {
 *   token: () => fetch('/push-token').then(r => r.text()), // AUTH first, a fresh token per connection
 *   onState: (state) => console.log(state),                // 'connecting', 'open', 'disconnected', 'closed'
 *   onRecovered: (topic, count) => console.log(`${topic}: ${count} missed messages follow`),
 *   onLost: (topic) => reload(topic),                      // history no longer has what was missed
 *   onRefused: (topic, reason) => console.warn(topic, reason), // the server will not have it: forgotten
 * });
 * client.subscribe('updates', (m) => console.log(m.topic, m.position, m.payload));
 * client.connect();
 * ```
 *
 * **Protocol.** The server's `commands` protocol (PROTOCOL.md), one frame per WebSocket message: the client sends
 * `AUTH`, `SUB`, `UNSUB`, `PUB`, `PING` as text messages and matches each reply with its command in a FIFO (replies
 * come in command order; a frame starting with `MSG ` is a push, `PING` is the server's heartbeat and is answered
 * `PONG`). Server messages may be text or binary (binary when a payload is not valid UTF-8): both are read. With
 * `protocol: 'raw'` every server message is a payload for `onMessage`, and there is no subscribing.
 *
 * **Resume.** The client keeps, per topic subscribed by name, the position of the last message it delivered (or
 * the top the server named in `+OK <top>`), and subscribes again with `SUB <topic> FROM <position>` after every
 * reconnect, so a topic with history is delivered once, in order, across reconnects and server restarts:
 * - a positioned push at or before the last position (same epoch) is a duplicate and is dropped;
 * - a push further on (a gap in offsets, or another epoch) is dropped and the topic is resumed on the live
 *   connection (`SUB <topic> FROM <last>`); until that reply, the topic's positioned pushes are dropped (the
 *   replay brings them); if the same jump shows up again right after a resume that recovered, it is taken as a
 *   loss and delivered;
 * - `+OK <top> RECOVERED <n>` calls `onRecovered(topic, n)`, and the `n` messages follow; `+OK <top> LOST` calls
 *   `onLost(topic)` and live messages go on after `<top>`;
 * - the server's notice `MSG $lost <position> <topic>` moves the topic to `<position>` and calls `onLost(topic)`.
 * Pushes without a position (topics without history) and of topics not subscribed by name pass untouched. These
 * are the rules of the Java `PushClient`.
 *
 * **Refusals.** A subscription is never dropped silently. The notice a server sends just before it closes the
 * connection (`-ERR disconnected: ...`, `-ERR idle timeout`, `-ERR server shutting down`, ...: PROTOCOL.md 3.3)
 * answers no command: the commands waiting fail as `connection lost` at the close, and the next connection
 * subscribes again. A refusal the server may get over (`unavailable`, `subscribe failed`, `too many resumes in
 * progress`, `a resume of this topic is in progress`) rejects the caller's promise but keeps the topic and its
 * position, and asks again on the same connection after 1 s, doubling up to 30 s, or at once after a reconnect.
 * Any other refusal (`forbidden`, a name the server does not accept, ...) is for good: the topic and its position
 * are forgotten, and `onRefused(topic, reason)` is called. At most 16 `SUB ... FROM`/`LAST` wait for their reply at
 * once (the server's limit per connection); later commands wait their turn, in order.
 *
 * **Reconnect.** After a lost connection or a failed attempt the client waits a random time in
 * `[0, min(max, base * 2^attempt)]` (exponential backoff with full jitter; `attempt` counts from 0 again after
 * each successful connection), fetches a token when `token` is a function, and connects again.
 *
 * **API.**
 * - `new PushlineClient(url, options)`: `url` is `ws://` or `wss://`. Options (all optional):
 *   - `protocol`: `'commands'` (default) or `'raw'`, as the server's;
 *   - `token`: a string, or a function returning a string or a promise of one, sent as `AUTH <token>` before
 *     anything else on every connection (on `raw`: the bare token as the first message). A function is called
 *     for each connection; a token refused by the server then counts as a failed attempt. A fixed string that is
 *     refused closes the client;
 *   - `reconnect`: `{ base, max }` in milliseconds (default `{ base: 100, max: 10000 }`; `max` at least `base`),
 *     or `false` to never reconnect;
 *   - `positions`: `{ topic: position }` to resume from, for example saved from `client.positions()`;
 *   - `onMessage(message)`: every push, also of topics subscribed by the server or through patterns, after the
 *     topic's own handler;
 *   - `onState(state, detail)`: `'connecting'`, `'open'` (authenticated and subscriptions sent),
 *     `'disconnected'` (with `{ code, reason }` of the WebSocket close; a reconnect follows when enabled),
 *     `'closed'` (after `close()`, or a refused fixed token);
 *   - `onRecovered(topic, count)`, `onLost(topic)`: how a topic was resumed, see above;
 *   - `onRefused(topic, reason)`: the server refused a topic for good, on a call of `subscribe` (whose promise is
 *     rejected too) or when the client subscribed again by itself; the client forgot it (see "Refusals");
 *   - `onDropped(count)`: the server dropped `count` messages for this slow client (`MSG $dropped`);
 *   - `onError(error)`: what went wrong and is not the answer to a call (a server `-ERR` with no command
 *     pending or a notice before it closes, a refused token, a resume refused for good); default `console.warn`;
 *   - `openTimeout`: milliseconds for a WebSocket to open (default 10000);
 *   - `heartbeat`: milliseconds (default 30000), or `false`: when nothing arrived for that long the client sends
 *     `PING`, and when nothing arrives for that long again it takes the connection as dead, closes it and
 *     reconnects (a browser does not see the server's WebSocket pings, and a vanished network path may otherwise
 *     go unnoticed for many minutes); on `raw` there is no `PING`, so the heartbeat is off;
 *   - `WebSocket`, `setTimeout`, `clearTimeout`, `random`: replacements for the browser's, for tests.
 * - `connect()`: starts connecting (and reconnecting); returns a promise of the first `'open'`. Callbacks run on
 *   the page's event loop, in the order the server sent the frames; what they throw is caught and reported to
 *   `console.error`.
 * - `subscribe(topic, onMessage, { last } = {})`: remembers the topic and subscribes it now or on the next
 *   connection, and again after every reconnect, resuming from its position. `last: n` asks for the latest `n`
 *   messages when the topic has no position yet. Returns a promise of `{ topic, top, recovered, lost }` (the
 *   server's reply: `top` is the topic's position, `null` without history), rejected with a `PushlineError` when
 *   the server refuses (the topic is kept, or forgotten: see "Refusals"). `onMessage(message)` gets `{ topic,
 *   position, payload, bytes }`: `position` is the wire token (`<offset>.<epoch>`) or `null`, `payload` the text
 *   (UTF-8 decoded), `bytes` the payload's exact bytes (a `Uint8Array`) when the server sent a binary message, else
 *   `null`.
 * - `unsubscribe(topic)`: forgets the topic and its position; a promise of the server's `+OK`.
 * - `publish(topic, payload)`, `ping(text)`: one command each while open (the server must allow `PUB`).
 * - `positions()`: `{ topic: position }` of every topic with a position, to save and pass back as `positions`.
 * - `state`: the current state. `close()`: closes for good; pending promises are rejected.
 *
 * Not thread-safe in any sense that matters to a browser: use one client from one page or worker.
 *
 * @module pushline
 */

/** The topic of the server's notice that messages of a topic were lost: `MSG $lost <position> <topic>`. */
const LOST_TOPIC = '$lost';
/** The topic of the server's notice of messages dropped for a slow client: `MSG $dropped - <count>`. */
const DROPPED_TOPIC = '$dropped';
/** The most commands sent and not answered; more wait here. Half the server's default limit (1024). */
const MAX_IN_FLIGHT = 512;
/** The most commands waiting for a reply when `publish` or `ping` is called. */
const MAX_PENDING = 1000;
/** The most `SUB ... FROM`/`LAST` sent and not answered: the server reads history for 16 at once per connection. */
const MAX_RESUMES_IN_FLIGHT = 16;
/** After transient refusals in a row, a subscription is asked for again after 1 s, 2 s, ... up to 30 s. */
const RETRY_DELAY = 1000;
const MAX_RETRY_DELAY = 30000;
/** The reasons, by prefix, of the refusals the server may get over: the subscription is kept and asked again. */
const TRANSIENT = ['unavailable', 'subscribe failed', 'too many resumes in progress',
  'a resume of this topic is in progress'];
/**
 * The reasons, by prefix, of the notices a server sends just before it closes (PROTOCOL.md 3.3); a plain
 * `unauthorized` is left out: it is also the reply to `AUTH`.
 */
const CLOSE_NOTICES = ['disconnected:', 'server shutting down', 'idle timeout', 'too many connections',
  'rate limit exceeded', 'too many pending commands', 'frame too long', 'frame timeout', 'bad frame',
  'unauthorized: expired'];
const DEFAULT_RECONNECT = Object.freeze({ base: 100, max: 10000 });
const DEFAULT_OPEN_TIMEOUT = 10000;
const DEFAULT_HEARTBEAT = 30000;
const MAX_DELAY = 24 * 3600 * 1000;

/** An error of the protocol: a server's `-ERR` (then `refused` is true), or a lost or closed connection. */
export class PushlineError extends Error {
  /**
   * @param {string} message what went wrong
   * @param {boolean} refused whether the server answered `-ERR`
   * @param {Error} [cause] what it came from: the server's notice, for a connection the server closed
   */
  constructor(message, refused = false, cause = undefined) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PushlineError';
    this.refused = refused;
  }
}

/**
 * Reads a position's wire token `<offset>.<epoch>` as the Java `Position.parse` does.
 * @param {string} token the token
 * @returns {{offset: bigint, epoch: string, token: string} | null} the position, or null when not a position
 */
export function parsePosition(token) {
  if (typeof token !== 'string') {
    return null;
  }
  const dot = token.indexOf('.');
  if (dot < 1 || dot > 19 || !/^[0-9]+$/.test(token.substring(0, dot))) {
    return null;
  }
  const offset = BigInt(token.substring(0, dot));
  const epoch = token.substring(dot + 1);
  if (offset > 9223372036854775807n || !/^[A-Za-z0-9_-]{1,32}$/.test(epoch)) {
    return null;
  }
  return { offset, epoch, token };
}

/**
 * The delay before reconnect attempt `attempt`: random in `[0, min(max, base * 2^attempt)]` (full jitter).
 * @param {number} attempt counted from 0 after each successful connection
 * @param {{base: number, max: number}} policy milliseconds
 * @param {() => number} random a number in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, policy, random = Math.random) {
  const ceiling = attempt >= 60 ? policy.max : Math.min(policy.max, policy.base * 2 ** attempt);
  return Math.floor(random() * (ceiling + 1));
}

const follows = (p, previous) => p.epoch === previous.epoch && p.offset === previous.offset + 1n;
const sameEpoch = (a, b) => a.epoch === b.epoch;
const samePosition = (a, b) => a.epoch === b.epoch && a.offset === b.offset;
const utf8 = new TextEncoder();
const isTransient = (reason) => TRANSIENT.some((prefix) => reason.startsWith(prefix));
const isCloseNotice = (text) => text.startsWith('-ERR ') && CLOSE_NOTICES.some((n) => text.startsWith(n, 5));

function checkName(topic) {
  if (typeof topic !== 'string') {
    throw new TypeError('topic: expected a string');
  }
  const length = utf8.encode(topic).length;
  // the server's rules (Topics.problem): no space, no control character, no lone surrogate, at most 256 bytes
  if (length < 1 || length > 256 || /[ \x00-\x1f\x7f-\x9f\u2028\u2029]|\p{Cs}/u.test(topic)
      || topic.startsWith('$')) {
    throw new RangeError(`topic: '${topic}' (expected: 1 to 256 bytes of UTF-8, no spaces or control `
        + 'characters, not starting with $)');
  }
  return topic;
}

function checkToken(token) {
  if (typeof token !== 'string' || token.length === 0 || /[\r\n ]/.test(token)) {
    throw new PushlineError('the token must be a non-empty string without CR, LF or spaces');
  }
  return token;
}

function checkReconnect(reconnect) {
  if (reconnect === false) {
    return null;
  }
  const policy = { ...DEFAULT_RECONNECT, ...(reconnect || {}) };
  if (!(policy.base > 0) || !(policy.max >= policy.base) || policy.max > MAX_DELAY) {
    throw new RangeError(`reconnect: ${JSON.stringify(reconnect)} (expected: 0 < base <= max <= ${MAX_DELAY})`);
  }
  return policy;
}

/** A push, parsed: `MSG <topic> <position> <payload>`; null when malformed. */
function parsePush(text, bytes) {
  const topicEnd = text.indexOf(' ', 4);
  if (topicEnd < 0) {
    return null;
  }
  const space = text.indexOf(' ', topicEnd + 1);
  const idEnd = space < 0 ? text.length : space;
  if (idEnd === topicEnd + 1) {
    return null;
  }
  const id = text.substring(topicEnd + 1, idEnd);
  const payload = space < 0 ? '' : text.substring(space + 1);
  let exact = null;
  if (bytes) { // the header is ASCII-safe UTF-8: count spaces in the bytes for the payload's exact bytes
    let seen = 0;
    let i = 0;
    for (; i < bytes.length && seen < 3; i++) {
      if (bytes[i] === 0x20) {
        seen++;
      }
    }
    exact = seen < 3 ? new Uint8Array(0) : bytes.slice(i);
  }
  return { topic: text.substring(4, topicEnd), id, position: id === '-' ? null : parsePosition(id), payload, bytes: exact };
}

/** A client of a Pushline server's WebSocket endpoint: see the module's documentation. */
export class PushlineClient {
  #url;
  #options;
  #reconnect;
  #WebSocket;
  #setTimeout;
  #clearTimeout;
  #random;
  #decoder = new TextDecoder('utf-8');
  #state = 'disconnected';
  #closed = false;
  #ws = null;
  #ready = false;
  #attempts = 0;
  #timer = null;
  #openTimer = null;
  #heartbeatTimer = null;
  /** Whether a frame arrived since the last heartbeat check; whether a PING waits for any frame. */
  #heard = false;
  #pinged = false;
  #connectWaiters = [];
  /** Commands sent and not answered, oldest first; and commands waiting for room. */
  #inFlight = [];
  #queued = [];
  /** How many of the commands in flight are resumes; the server's notice that it closes this socket. */
  #resumesInFlight = 0;
  #closeNotice = null;
  /** The topics subscribed by name, with their handlers. */
  #topics = new Map();
  /** Subscriptions made while not open: topic -> [{resolve, reject}]. */
  #waiting = new Map();
  /** Per topic: the position of the last message delivered, or the top the server named. */
  #last = new Map();
  /** Per topic: the SUB waiting for its reply on the current connection ({command, from, jumpTo, joiners}). */
  #subsInFlight = new Map();
  /** Per topic: the jump a resume that recovered was asked for, until the topic moves on. */
  #recoveredJumps = new Map();
  /** Per topic without a position: how many recent messages `SUB ... LAST` asks for. */
  #lastCounts = new Map();
  /** Per topic refused for a while: `{ failures, timer }`, the timer asking again on this connection. */
  #retries = new Map();

  /**
   * @param {string} url the endpoint, `ws://host:port/ws` or `wss://...`
   * @param {object} options see the module's documentation
   */
  constructor(url, options = {}) {
    if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) {
      throw new TypeError(`url: '${url}' (expected: ws://... or wss://...)`);
    }
    const protocol = options.protocol || 'commands';
    if (protocol !== 'commands' && protocol !== 'raw') {
      throw new RangeError(`protocol: '${protocol}' (expected: commands or raw)`);
    }
    if (options.token !== undefined && typeof options.token !== 'function') {
      checkToken(options.token);
    }
    this.#url = url;
    this.#options = { ...options, protocol };
    this.#reconnect = checkReconnect(options.reconnect);
    this.#WebSocket = options.WebSocket || globalThis.WebSocket;
    this.#setTimeout = options.setTimeout || ((f, ms) => globalThis.setTimeout(f, ms));
    this.#clearTimeout = options.clearTimeout || ((t) => globalThis.clearTimeout(t));
    this.#random = options.random || Math.random;
    for (const [topic, token] of Object.entries(options.positions || {})) {
      const p = parsePosition(token);
      if (p) {
        this.#last.set(checkName(topic), p);
      }
    }
  }

  /** The connection's state: `'connecting'`, `'open'`, `'disconnected'` or `'closed'`. */
  get state() {
    return this.#state;
  }

  /**
   * Starts connecting, and reconnecting after every loss while reconnect is on.
   * @returns {Promise<PushlineClient>} settled by the first `'open'` (rejected when the client closes first, or
   *     when an attempt fails and reconnect is off)
   */
  connect() {
    if (this.#closed) {
      return Promise.reject(new PushlineError('client is closed'));
    }
    if (this.#ready) {
      return Promise.resolve(this);
    }
    const result = new Promise((resolve, reject) => this.#connectWaiters.push({ resolve, reject }));
    if (!this.#ws && this.#state !== 'connecting') {
      this.#cancelTimer();
      this.#attempt();
    }
    return result;
  }

  /**
   * Subscribes a topic, now or on the next connection, and after every reconnect, resuming from its position.
   * @param {string} topic the topic
   * @param {(message: {topic: string, position: string|null, payload: string, bytes: Uint8Array|null}) => void}
   *     onMessage its messages, once each and in order
   * @param {{last?: number}} options `last`: replay the latest n messages first when the topic has no position
   * @returns {Promise<{topic: string, top: string|null, recovered: number|null, lost: boolean}>} the reply
   */
  subscribe(topic, onMessage = () => {}, options = {}) {
    checkName(topic);
    if (this.#options.protocol !== 'commands') {
      throw new PushlineError('subscribe needs the commands protocol');
    }
    if (typeof onMessage !== 'function') {
      throw new TypeError('onMessage: expected a function');
    }
    if (this.#closed) {
      return Promise.reject(new PushlineError('client is closed'));
    }
    this.#topics.set(topic, onMessage);
    if (options.last !== undefined) {
      if (!Number.isInteger(options.last) || options.last < 0) {
        throw new RangeError(`last: ${options.last} (expected: an integer >= 0)`);
      }
      if (!this.#last.has(topic)) {
        this.#lastCounts.set(topic, options.last);
      }
    }
    return new Promise((resolve, reject) => {
      const target = { resolve, reject };
      const inFlight = this.#subsInFlight.get(topic);
      if (this.#ready && inFlight) {
        inFlight.joiners.push(target); // one command at a time per topic: its reply is ours
      } else if (this.#ready) {
        this.#sendSubscribe(topic, [target]);
      } else {
        const waiting = this.#waiting.get(topic) || [];
        waiting.push(target);
        this.#waiting.set(topic, waiting);
      }
    });
  }

  /**
   * Unsubscribes a topic and forgets its position.
   * @param {string} topic the topic
   * @returns {Promise<void>} settled by the server's reply (at once when not connected)
   */
  unsubscribe(topic) {
    checkName(topic);
    this.#topics.delete(topic);
    this.#forget(topic);
    for (const target of this.#waiting.get(topic) || []) {
      target.reject(new PushlineError('unsubscribed before the subscription was sent'));
    }
    this.#waiting.delete(topic);
    if (!this.#ready) {
      return Promise.resolve();
    }
    return this.#request('UNSUB ' + topic, 'ok').then(() => undefined);
  }

  /**
   * Publishes through the server (`PUB`), which must allow it.
   * @param {string} topic the topic
   * @param {string} payload the text
   * @returns {Promise<void>} settled by the server's reply
   */
  publish(topic, payload) {
    checkName(topic);
    return this.#request(`PUB ${topic} ${payload}`, 'ok').then(() => undefined);
  }

  /**
   * Sends `PING`.
   * @param {string} text optional text to echo
   * @returns {Promise<string>} the text of the server's `PONG`
   */
  ping(text = '') {
    return this.#request(text ? 'PING ' + text : 'PING', 'pong');
  }

  /** @returns {Object<string, string>} the position of every topic that has one, to resume from later */
  positions() {
    return Object.fromEntries([...this.#last].map(([topic, p]) => [topic, p.token]));
  }

  /** Closes the client for good: the connection, the reconnect timer; pending promises are rejected. */
  close() {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#cancelTimer();
    const ws = this.#ws;
    this.#dropConnection(new PushlineError('client closed'));
    if (ws) {
      try {
        ws.close(1000, 'client closed');
      } catch (e) {
        this.#report(e);
      }
    }
    const error = new PushlineError('client closed');
    this.#takeConnectWaiters().forEach((w) => w.reject(error));
    for (const targets of this.#waiting.values()) {
      targets.forEach((t) => t.reject(error));
    }
    this.#waiting.clear();
    this.#setState('closed');
  }

  // ---- the connection

  async #attempt() {
    this.#timer = null;
    this.#setState('connecting');
    let token = null;
    const source = this.#options.token;
    if (source !== undefined) {
      try {
        token = checkToken(typeof source === 'function' ? await source() : source);
      } catch (e) {
        this.#failedAttempt(new PushlineError('no token to authenticate with: ' + (e && e.message)));
        return;
      }
      if (this.#closed) {
        return;
      }
    }
    let ws;
    try {
      ws = new this.#WebSocket(this.#url);
    } catch (e) {
      this.#failedAttempt(e);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    this.#openTimer = this.#setTimeout(() => ws.close(), this.#options.openTimeout || DEFAULT_OPEN_TIMEOUT);
    ws.onopen = () => this.#opened(ws, token);
    ws.onmessage = (event) => {
      if (ws === this.#ws) {
        this.#frame(ws, event.data);
      }
    };
    ws.onclose = (event) => this.#lost(ws, event);
    ws.onerror = () => {}; // a close event follows, with what there is to know
  }

  #opened(ws, token) {
    if (ws !== this.#ws) {
      return;
    }
    this.#clearOpenTimer();
    if (token === null) {
      this.#readyOn();
    } else if (this.#options.protocol === 'raw') {
      ws.send(token);
      this.#readyOn();
    } else {
      this.#send({ line: 'AUTH ' + token, verb: 'AUTH', kind: 'ok', settle: (reply, error) => {
        if (ws !== this.#ws) {
          return;
        }
        if (!error) {
          this.#readyOn();
        } else if (error.refused && typeof this.#options.token !== 'function') {
          this.#report(new PushlineError('the server refused the token: ' + error.message, true));
          const refused = new PushlineError('authentication refused: ' + error.message, true);
          this.#takeConnectWaiters().forEach((w) => w.reject(refused));
          this.close();
        } else {
          this.#report(new PushlineError('the server refused the token: ' + error.message, true));
          ws.close(); // a fresh token next time
        }
      } });
    }
  }

  #readyOn() {
    this.#ready = true;
    this.#attempts = 0;
    this.#armHeartbeat();
    this.#resubscribe(); // first, so that commands sent from the state callback follow them
    this.#setState('open');
    this.#takeConnectWaiters().forEach((w) => w.resolve(this));
  }

  #lost(ws, event) {
    if (ws !== this.#ws) {
      return;
    }
    const notice = this.#closeNotice;
    this.#dropConnection(new PushlineError('connection lost', false,
      notice ? new PushlineError(notice.substring(5), true) : undefined));
    this.#setState('disconnected', { code: event && event.code, reason: event && event.reason });
    this.#failedAttempt(null);
  }

  /** Forgets the current socket: fails every command waiting for a reply on it. */
  #dropConnection(cause) {
    this.#clearOpenTimer();
    if (this.#heartbeatTimer !== null) {
      this.#clearTimeout(this.#heartbeatTimer);
      this.#heartbeatTimer = null;
    }
    this.#ws = null;
    this.#ready = false;
    this.#closeNotice = null;
    this.#cancelRetryTimers(); // a new connection subscribes everything at once
    const commands = this.#inFlight.concat(this.#queued);
    this.#inFlight = [];
    this.#queued = [];
    this.#resumesInFlight = 0;
    commands.forEach((c) => this.#settle(c, null, cause));
  }

  #failedAttempt(cause) {
    if (this.#closed) {
      return;
    }
    if (cause) {
      this.#setState('disconnected');
    }
    if (!this.#reconnect) {
      const error = new PushlineError('cannot connect to ' + this.#url
          + (cause && cause.message ? ': ' + cause.message : ''));
      this.#takeConnectWaiters().forEach((w) => w.reject(error));
      return;
    }
    const delay = backoffDelay(this.#attempts, this.#reconnect, this.#random);
    this.#attempts++;
    this.#timer = this.#setTimeout(() => this.#attempt(), delay);
  }

  #armHeartbeat() {
    const interval = this.#options.heartbeat === undefined ? DEFAULT_HEARTBEAT : this.#options.heartbeat;
    if (!interval || this.#options.protocol !== 'commands') {
      return;
    }
    this.#heard = false;
    this.#pinged = false;
    const ws = this.#ws;
    const beat = () => {
      this.#heartbeatTimer = null;
      if (ws !== this.#ws || !this.#ready) {
        return;
      }
      if (this.#heard) {
        this.#pinged = false;
      } else if (this.#pinged) { // silent for two intervals, even to a PING: the connection is dead
        ws.close(4000, 'no reply to PING');
        this.#lost(ws, { code: 4000, reason: 'no reply to PING' });
        return;
      } else {
        this.#pinged = true;
        this.#send({ line: 'PING', verb: 'PING', kind: 'pong', settle: () => {} });
      }
      this.#heard = false;
      this.#heartbeatTimer = this.#setTimeout(beat, interval);
    };
    this.#heartbeatTimer = this.#setTimeout(beat, interval);
  }

  #cancelTimer() {
    if (this.#timer !== null) {
      this.#clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #clearOpenTimer() {
    if (this.#openTimer !== null) {
      this.#clearTimeout(this.#openTimer);
      this.#openTimer = null;
    }
  }

  #takeConnectWaiters() {
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    return waiters;
  }

  // ---- frames and commands

  #frame(ws, data) {
    this.#heard = true;
    let text;
    let bytes = null;
    if (typeof data === 'string') {
      text = data;
    } else {
      bytes = new Uint8Array(data);
      text = this.#decoder.decode(bytes);
    }
    if (this.#options.protocol === 'raw') {
      this.#deliver({ topic: null, position: null, payload: text, bytes });
      return;
    }
    if (text.startsWith('MSG ')) {
      const push = parsePush(text, bytes);
      if (push) {
        this.#push(push);
      } else {
        this.#report(new PushlineError('ignoring a malformed push: ' + text.substring(0, 120)));
      }
    } else if (text === 'PING' || text.startsWith('PING ')) {
      ws.send('PONG'); // the server's heartbeat: not a reply to any command
    } else if (text.length > 0) {
      this.#reply(text);
    }
  }

  #reply(text) {
    if (isCloseNotice(text)) { // the server closes after it: it answers no command, they fail at the close
      this.#closeNotice = text;
      this.#report(new PushlineError('server: ' + text.substring(0, 120), true));
      return;
    }
    const command = this.#inFlight.shift();
    if (command && command.resume) {
      this.#resumesInFlight--;
    }
    if (!command) {
      this.#report(new PushlineError('server: ' + text.substring(0, 120), text.startsWith('-ERR')));
      return;
    }
    if (text === '-ERR' || text.startsWith('-ERR ')) {
      this.#settle(command, null, new PushlineError(text.substring(5), true));
    } else if (command.kind !== 'pong' && text === '+OK') {
      this.#settle(command, '', null);
    } else if (command.kind === 'sub' && text.startsWith('+OK ')) {
      this.#settle(command, text.substring(4), null);
    } else if (command.kind === 'pong' && (text === 'PONG' || text.startsWith('PONG '))) {
      this.#settle(command, text.substring(5), null);
    } else {
      this.#settle(command, null, new PushlineError(`unexpected reply to ${command.verb}: ${text.substring(0, 120)}`));
    }
    while (this.#queued.length > 0 && this.#ws && this.#fits(this.#queued[0])) {
      this.#write(this.#queued.shift());
    }
  }

  #settle(command, reply, error) {
    try {
      command.settle(reply, error);
    } catch (e) {
      this.#report(e);
    }
  }

  /** Sends a command on the open socket, or queues it (behind those queued) while too many are unanswered. */
  #send(command) {
    if (this.#queued.length === 0 && this.#fits(command)) {
      this.#write(command);
    } else {
      this.#queued.push(command);
    }
  }

  /** Whether a command may be sent now, within the limits on commands and on resumes in flight. */
  #fits(command) {
    return this.#inFlight.length < MAX_IN_FLIGHT
      && (!command.resume || this.#resumesInFlight < MAX_RESUMES_IN_FLIGHT);
  }

  #write(command) {
    this.#inFlight.push(command);
    if (command.resume) {
      this.#resumesInFlight++;
    }
    this.#ws.send(command.line);
  }

  #request(line, kind) {
    return new Promise((resolve, reject) => {
      if (!this.#ready) {
        reject(new PushlineError('not connected'));
      } else if (this.#inFlight.length + this.#queued.length >= MAX_PENDING) {
        reject(new PushlineError(`too many commands waiting for a reply (limit ${MAX_PENDING})`));
      } else {
        const verb = line.split(' ', 1)[0];
        this.#send({ line, verb, kind, settle: (reply, error) => (error ? reject(error) : resolve(reply)) });
      }
    });
  }

  // ---- subscriptions and positions (the rules of the Java client's TopicPositions)

  #resubscribe() {
    for (const topic of this.#topics.keys()) {
      const waiting = this.#waiting.get(topic) || [];
      this.#waiting.delete(topic);
      this.#sendSubscribe(topic, waiting);
    }
  }

  #sendSubscribe(topic, targets) {
    const from = this.#last.get(topic);
    const count = from ? undefined : this.#lastCounts.get(topic);
    const line = 'SUB ' + topic + (from ? ' FROM ' + from.token : count !== undefined ? ' LAST ' + count : '');
    const command = { line, verb: 'SUB', kind: 'sub', resume: line !== 'SUB ' + topic };
    command.settle = (reply, error) => {
      const result = this.#replied(topic, command, reply, error);
      if (!error) {
        this.#cancelRetry(topic);
        targets.forEach((t) => t.resolve(result));
        return;
      }
      if (error.refused) {
        this.#refused(topic, error.message, false, targets.length > 0);
      } // else the connection was lost: the next one subscribes again
      targets.forEach((t) => t.reject(error));
    };
    this.#subsInFlight.set(topic, { command, from, jumpTo: null, joiners: [] });
    this.#send(command);
  }

  #resume(topic, from, jumpTo) {
    const command = { line: `SUB ${topic} FROM ${from.token}`, verb: 'SUB', kind: 'sub', resume: true };
    command.settle = (reply, error) => {
      this.#replied(topic, command, reply, error);
      if (error && error.refused) {
        this.#refused(topic, error.message, true, false); // the server still holds the topic
      }
    };
    this.#subsInFlight.set(topic, { command, from, jumpTo, joiners: [] });
    this.#send(command);
  }

  /**
   * The server answered `-ERR` to a SUB of the topic (a resume on the live connection when `held`, the server then
   * still holding the topic): asks again later, or forgets the topic for good and says so.
   */
  #refused(topic, reason, held, answered) {
    if (!this.#topics.has(topic)) {
      return; // unsubscribed meanwhile
    }
    if (isTransient(reason)) {
      this.#retryLater(topic);
      return;
    }
    this.#topics.delete(topic); // so that reconnects do not ask again
    this.#forget(topic);
    if (!answered) {
      this.#report(new PushlineError(`the server refused SUB ${topic}: ${reason}`, true));
    }
    if (held && this.#ready) {
      this.#send({ line: 'UNSUB ' + topic, verb: 'UNSUB', kind: 'ok', settle: () => {} }); // so that no more comes
    }
    this.#call('onRefused', topic, reason);
  }

  #retryLater(topic) {
    const retry = this.#retries.get(topic) || { failures: 0, timer: null };
    this.#retries.set(topic, retry);
    retry.failures++;
    if (retry.timer !== null) {
      this.#clearTimeout(retry.timer);
    }
    const ws = this.#ws;
    retry.timer = this.#setTimeout(() => {
      retry.timer = null;
      if (this.#ws === ws && this.#ready && this.#topics.has(topic) && !this.#subsInFlight.has(topic)) {
        this.#sendSubscribe(topic, []);
      }
    }, Math.min(MAX_RETRY_DELAY, RETRY_DELAY * 2 ** Math.min(retry.failures - 1, 10)));
  }

  /** Whether a transient refusal of the topic waits to be asked again on this connection. */
  #retrying(topic) {
    const retry = this.#retries.get(topic);
    return retry !== undefined && retry.timer !== null;
  }

  #cancelRetry(topic) {
    const retry = this.#retries.get(topic);
    this.#retries.delete(topic);
    if (retry && retry.timer !== null) {
      this.#clearTimeout(retry.timer);
    }
  }

  /** Cancels the timers of the retries; their counts of failures in a row stay, for the backoff. */
  #cancelRetryTimers() {
    for (const retry of this.#retries.values()) {
      if (retry.timer !== null) {
        this.#clearTimeout(retry.timer);
        retry.timer = null;
      }
    }
  }

  /** The reply (or failure) of a topic's SUB: moves its position, tells the callbacks; returns the result. */
  #replied(topic, command, reply, error) {
    const resume = this.#subsInFlight.get(topic);
    if (!resume || resume.command !== command) {
      return null;
    }
    this.#subsInFlight.delete(topic);
    if (error) {
      resume.joiners.forEach((t) => t.reject(error));
      return null;
    }
    const result = this.#topics.has(topic) ? this.#apply(topic, resume, reply) : { topic, top: null };
    resume.joiners.forEach((t) => t.resolve(result));
    return result;
  }

  #apply(topic, resume, reply) {
    const result = { topic, top: null, recovered: null, lost: false };
    if (reply === '') { // +OK: the topic has no history
      this.#last.delete(topic);
      this.#lastCounts.delete(topic);
      this.#recoveredJumps.delete(topic);
      return result;
    }
    const words = reply.split(' ');
    const top = parsePosition(words[0]);
    const count = words.length === 3 && words[1] === 'RECOVERED' && /^[0-9]{1,9}$/.test(words[2])
      ? Number(words[2]) : -1;
    const lost = words.length === 2 && words[1] === 'LOST';
    if (!top || (words.length > 1 && count < 0 && !lost)) {
      this.#report(new PushlineError(`unexpected reply to SUB ${topic}: ${reply.substring(0, 120)}`));
      return result;
    }
    result.top = top.token;
    this.#lastCounts.delete(topic);
    this.#recoveredJumps.delete(topic);
    if (lost) {
      this.#last.set(topic, top);
      result.lost = true;
      this.#call('onLost', topic);
    } else if (count >= 0) {
      if (resume.from) {
        this.#last.set(topic, resume.from); // the replay follows it
        if (resume.jumpTo) {
          this.#recoveredJumps.set(topic, { from: resume.from, to: resume.jumpTo });
        }
      } else {
        const offset = top.offset > BigInt(count) ? top.offset - BigInt(count) : 0n;
        this.#last.set(topic, { offset, epoch: top.epoch, token: `${offset}.${top.epoch}` });
      }
      result.recovered = count;
      this.#call('onRecovered', topic, count);
    } else {
      this.#last.set(topic, top);
    }
    return result;
  }

  /** The topic was unsubscribed or refused: its position is forgotten, a SUB in flight no longer counts. */
  #forget(topic) {
    const resume = this.#subsInFlight.get(topic);
    this.#subsInFlight.delete(topic);
    if (resume) {
      resume.joiners.forEach((t) => t.reject(new PushlineError('unsubscribed')));
    }
    this.#last.delete(topic);
    this.#lastCounts.delete(topic);
    this.#recoveredJumps.delete(topic);
    this.#cancelRetry(topic);
  }

  #push(push) {
    const { topic, position: p } = push;
    const message = { topic, position: p ? p.token : (push.id === '-' ? null : push.id), payload: push.payload,
      bytes: push.bytes };
    if (topic === DROPPED_TOPIC) {
      this.#call('onDropped', Number(push.payload));
      return;
    }
    if (!p || !this.#topics.has(topic)) {
      if (p && topic === LOST_TOPIC) {
        this.#lostNotice(push.payload, p);
      } else {
        this.#deliver(message);
      }
      return;
    }
    const previous = this.#last.get(topic);
    if (!previous) {
      this.#deliver(message); // the server named no position for it: a topic without history
      return;
    }
    if (this.#subsInFlight.has(topic)) {
      return; // at or before the reply's top: in the replay when after the last position
    }
    const jump = this.#recoveredJumps.get(topic);
    if (follows(p, previous)) {
      this.#last.set(topic, p);
      this.#recoveredJumps.delete(topic);
      this.#deliver(message);
    } else if (sameEpoch(p, previous) && p.offset <= previous.offset) {
      // delivered already
    } else if (jump && samePosition(jump.from, previous) && samePosition(jump.to, p)) {
      // a resume from here recovered and the same message came next again: what lies between will not come
      this.#recoveredJumps.delete(topic);
      this.#last.set(topic, p);
      this.#call('onLost', topic);
      this.#deliver(message);
    } else if (this.#ready && !this.#retrying(topic)) { // else asked again soon, from `previous`
      this.#resume(topic, previous, p);
    }
  }

  /** `MSG $lost <position> <topic>`: live messages of the topic go on after the position. */
  #lostNotice(topic, continueFrom) {
    if (this.#subsInFlight.has(topic)) {
      return; // the reply decides; a hole after its top shows as a jump
    }
    if (this.#topics.has(topic)) {
      const previous = this.#last.get(topic);
      if (previous && sameEpoch(continueFrom, previous) && continueFrom.offset <= previous.offset) {
        return; // everything up to there arrived already
      }
      this.#last.set(topic, continueFrom);
      this.#recoveredJumps.delete(topic);
    }
    this.#call('onLost', topic);
  }

  #deliver(message) {
    const handler = message.topic === null ? undefined : this.#topics.get(message.topic);
    if (handler) {
      this.#guard(handler, message);
    }
    if (this.#options.onMessage) {
      this.#guard(this.#options.onMessage, message);
    }
  }

  // ---- callbacks

  #setState(state, detail = {}) {
    if (this.#state === state) {
      return;
    }
    this.#state = state;
    this.#call('onState', state, detail);
  }

  #call(name, ...args) {
    const callback = this.#options[name];
    if (callback) {
      this.#guard(callback, ...args);
    }
  }

  #guard(callback, ...args) {
    try {
      callback(...args);
    } catch (e) {
      console.error('pushline: a callback failed', e);
    }
  }

  #report(error) {
    if (this.#options.onError) {
      this.#guard(this.#options.onError, error);
    } else {
      console.warn('pushline:', error.message);
    }
  }
}
