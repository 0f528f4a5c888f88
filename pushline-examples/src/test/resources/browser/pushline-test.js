// Unit tests of pushline.js, run in the browser by pushline-test.html (BrowserIT reads the results). Each test
// drives a PushlineClient through a fake WebSocket and fake timers, so the protocol logic is deterministic.
import { PushlineClient, PushlineError, parsePosition, backoffDelay } from './pushline.js';

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

function assertEq(actual, expected, what = '') {
  const a = JSON.stringify(actual, (k, v) => (typeof v === 'bigint' ? v.toString() + 'n' : v));
  const e = JSON.stringify(expected, (k, v) => (typeof v === 'bigint' ? v.toString() + 'n' : v));
  if (a !== e) {
    throw new Error(`${what ? what + ': ' : ''}expected ${e}, got ${a}`);
  }
}

function assertTrue(condition, what) {
  if (!condition) {
    throw new Error(what);
  }
}

/** Lets pending promise callbacks (and the client's awaits) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A WebSocket the test drives: it records what the client sends, and the test opens, feeds and drops it. */
class FakeSocket {
  static all = [];

  constructor(url) {
    this.url = url;
    this.sent = [];
    this.closedByClient = false;
    FakeSocket.all.push(this);
  }

  send(data) {
    if (this.closedByClient) {
      throw new Error('send after close');
    }
    this.sent.push(data);
  }

  close(code) {
    this.closedByClient = true;
    this.closeCode = code;
  }

  open() {
    this.onopen({});
  }

  receive(...frames) {
    frames.forEach((data) => this.onmessage({ data }));
  }

  drop(code = 1006, reason = '') {
    this.onclose({ code, reason });
  }

  /** What the client sent since the last call. */
  take() {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }
}

/** Timers the test fires by hand; records each delay asked for. */
class FakeTimers {
  constructor() {
    this.pending = new Map();
    this.next = 1;
    this.delays = [];
    this.setTimeout = (fn, ms) => {
      const id = this.next++;
      this.pending.set(id, { fn, ms });
      this.delays.push(ms);
      return id;
    };
    this.clearTimeout = (id) => this.pending.delete(id);
  }

  /** Runs the pending timers whose delay is `ms` (all when undefined). */
  fire(ms) {
    for (const [id, t] of [...this.pending]) {
      if (ms === undefined || t.ms === ms) {
        this.pending.delete(id);
        t.fn();
      }
    }
  }
}

/** A client on fakes, with everything its callbacks report collected in `events`. */
function harness(options = {}) {
  FakeSocket.all = [];
  const timers = new FakeTimers();
  const events = [];
  const messages = [];
  const client = new PushlineClient('ws://test/ws', {
    WebSocket: FakeSocket,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 0.5,
    onState: (state) => events.push('state ' + state),
    onRecovered: (topic, count) => events.push(`recovered ${topic} ${count}`),
    onLost: (topic) => events.push('lost ' + topic),
    onDropped: (count) => events.push('dropped ' + count),
    onRefused: (topic, reason) => events.push(`refused ${topic}: ${reason}`),
    onError: (error) => events.push('error ' + error.message),
    ...options,
  });
  const socket = () => FakeSocket.all[FakeSocket.all.length - 1];
  const handler = (m) => messages.push(`${m.topic} ${m.position} ${m.payload}`);
  return { client, timers, events, messages, socket, handler };
}

/** An open client subscribed to `topic` with history at `top`. */
async function subscribed(topic = 'a', top = '0.E', options = {}) {
  const h = harness(options);
  const reply = h.client.subscribe(topic, h.handler);
  h.client.connect();
  h.socket().open();
  assertEq(h.socket().take(), [`SUB ${topic}`], 'first subscription');
  h.socket().receive(`+OK ${top}`);
  await reply;
  return h;
}

test('positions parse as the Java Position does', () => {
  assertEq(parsePosition('42.Xk3v9QaZ'), { offset: 42n, epoch: 'Xk3v9QaZ', token: '42.Xk3v9QaZ' });
  assertEq(parsePosition('0.a_b-C'), { offset: 0n, epoch: 'a_b-C', token: '0.a_b-C' });
  for (const bad of ['', '-', '.E', '1.', '1', 'x.E', '-1.E', '1.E.F', '1.E F', '1.' + 'e'.repeat(33),
    '99999999999999999999.E', '9223372036854775808.E', null, undefined, 7]) {
    assertEq(parsePosition(bad), null, String(bad));
  }
  assertEq(parsePosition('9223372036854775807.E').offset, 9223372036854775807n);
});

test('backoff is full jitter, doubling from base up to max', () => {
  const policy = { base: 100, max: 1000 };
  assertEq([0, 1, 2, 3, 4, 10, 100].map((n) => backoffDelay(n, policy, () => 0.999999)),
    [100, 200, 400, 800, 1000, 1000, 1000]);
  assertEq(backoffDelay(5, policy, () => 0), 0);
  for (let n = 0; n < 70; n++) {
    const d = backoffDelay(n, policy);
    assertTrue(d >= 0 && d <= Math.min(1000, 100 * 2 ** n), `delay ${d} of attempt ${n}`);
  }
});

test('reconnect delays grow while attempts fail, and start over after a connection', async () => {
  const h = harness({ random: () => 0.999999, reconnect: { base: 10, max: 50 } });
  h.client.connect();
  for (let i = 0; i < 5; i++) {
    h.socket().drop();
    h.timers.fire();
  }
  const reconnects = () => h.timers.delays.filter((ms) => ms !== 10000 && ms !== 30000);
  assertEq(reconnects(), [10, 20, 40, 50, 50]);
  h.socket().open();
  h.socket().drop();
  assertEq(reconnects().pop(), 10, 'after a connection');
  assertEq(FakeSocket.all.length, 6);
});

test('bad options are refused at once', () => {
  const refused = (f) => {
    try {
      f();
    } catch (e) {
      return e.constructor.name;
    }
    return 'accepted';
  };
  assertEq(refused(() => new PushlineClient('http://x/ws')), 'TypeError');
  assertEq(refused(() => new PushlineClient('ws://x/ws', { reconnect: { base: 0 } })), 'RangeError');
  assertEq(refused(() => new PushlineClient('ws://x/ws', { reconnect: { base: 10, max: 5 } })), 'RangeError');
  assertEq(refused(() => new PushlineClient('ws://x/ws', { protocol: 'json' })), 'RangeError');
  assertEq(refused(() => new PushlineClient('ws://x/ws', { token: 'a b' })), 'PushlineError');
  const c = new PushlineClient('ws://x/ws', { WebSocket: FakeSocket });
  assertEq(refused(() => c.subscribe('two words')), 'RangeError');
  assertEq(refused(() => c.subscribe('$lost')), 'RangeError');
  assertEq(refused(() => c.subscribe('x'.repeat(257))), 'RangeError');
  assertEq(refused(() => c.subscribe('é'.repeat(128))), 'accepted');
  assertEq(refused(() => c.subscribe('é'.repeat(129))), 'RangeError');
  assertEq(refused(() => c.subscribe('tab\there')), 'RangeError');
  assertEq(refused(() => c.subscribe('c1\u0085')), 'RangeError');
  assertEq(refused(() => c.subscribe('lone\ud800')), 'RangeError');
  assertEq(refused(() => c.subscribe('emoji\ud83d\ude00')), 'accepted');
  assertEq(refused(() => c.subscribe('no\u00a0break')), 'accepted');
});

test('replies are matched with their commands in order, pushes and server pings between them', async () => {
  const h = harness();
  h.client.connect();
  h.socket().open();
  const a = h.client.subscribe('a', h.handler);
  const b = h.client.subscribe('b', h.handler);
  const ping = h.client.ping('hi');
  const pub = h.client.publish('b', 'x y');
  assertEq(h.socket().take(), ['SUB a', 'SUB b', 'PING hi', 'PUB b x y']);
  h.socket().receive('MSG b - early', '+OK 5.E', 'PING', '+OK', 'MSG a 6.E six', 'PONG hi', '-ERR forbidden');
  assertEq(h.socket().take(), ['PONG'], 'the heartbeat is answered, not taken as a reply');
  assertEq(await a, { topic: 'a', top: '5.E', recovered: null, lost: false });
  assertEq(await b, { topic: 'b', top: null, recovered: null, lost: false });
  assertEq(await ping, 'hi');
  const error = await pub.then(() => null, (e) => e);
  assertTrue(error instanceof PushlineError && error.refused && error.message === 'forbidden', String(error));
  assertEq(h.events.filter((e) => !e.startsWith('state')), [], 'a refused PUB is no refused subscription');
  assertEq(h.messages, ['b null early', 'a 6.E six']);
  h.socket().receive('-ERR idle timeout');
  assertEq(h.events.pop(), 'error server: -ERR idle timeout', 'a frame with nothing pending');
});

test('after a reconnect each topic resumes from its last position; the replay fills the gap once', async () => {
  const h = await subscribed('a', '0.E');
  h.socket().receive('MSG a 1.E one', 'MSG a 2.E two');
  h.socket().drop();
  assertEq(h.client.state, 'disconnected');
  h.timers.fire();
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a FROM 2.E']);
  h.socket().receive('MSG a 4.E live-before-reply', '+OK 4.E RECOVERED 2', 'MSG a 2.E two', 'MSG a 3.E three',
    'MSG a 4.E four', 'MSG a 4.E four', 'MSG a 5.E five');
  assertEq(h.messages, ['a 1.E one', 'a 2.E two', 'a 3.E three', 'a 4.E four', 'a 5.E five']);
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['recovered a 2']);
  assertEq(h.client.positions(), { a: '5.E' });
});

test('states: connecting, open, disconnected, and closed for good', async () => {
  const h = harness();
  const open = h.client.connect();
  h.socket().open();
  assertEq(await open, h.client);
  h.socket().drop(1001, 'going away');
  h.timers.fire();
  h.socket().open();
  h.client.close();
  assertEq(h.events, ['state connecting', 'state open', 'state disconnected', 'state connecting', 'state open',
    'state closed']);
  assertEq(h.socket().closeCode, 1000);
  assertEq(h.timers.pending.size, 0, 'no timer left');
  const late = await h.client.subscribe('a').then(() => 'resolved', (e) => e.message);
  assertEq(late, 'client is closed');
});

test('duplicates (same or older offset in the epoch) are dropped', async () => {
  const h = await subscribed('a', '3.E');
  h.socket().receive('MSG a 2.E old', 'MSG a 3.E top', 'MSG a 4.E new', 'MSG a 4.E again', 'MSG a 1.E older');
  assertEq(h.messages, ['a 4.E new']);
  assertEq(h.socket().take(), []);
});

test('a gap in the live stream is resumed on the live connection', async () => {
  const h = await subscribed('a', '2.E');
  h.socket().receive('MSG a 5.E five');
  assertEq(h.socket().take(), ['SUB a FROM 2.E']);
  h.socket().receive('MSG a 6.E dropped-while-resuming', '+OK 6.E RECOVERED 4', 'MSG a 3.E three',
    'MSG a 4.E four', 'MSG a 5.E five', 'MSG a 6.E six', 'MSG a 7.E seven');
  assertEq(h.messages, ['a 3.E three', 'a 4.E four', 'a 5.E five', 'a 6.E six', 'a 7.E seven']);
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['recovered a 4']);
});

test('the same jump right after a resume that recovered is taken as a loss, not resumed forever', async () => {
  const h = await subscribed('a', '2.E');
  h.socket().receive('MSG a 5.E five');
  assertEq(h.socket().take(), ['SUB a FROM 2.E']);
  h.socket().receive('+OK 5.E RECOVERED 0', 'MSG a 5.E five', 'MSG a 6.E six');
  assertEq(h.socket().take(), [], 'no second resume');
  assertEq(h.messages, ['a 5.E five', 'a 6.E six']);
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['recovered a 0', 'lost a']);
});

test('another epoch in the live stream is resumed; LOST moves to the top and says so', async () => {
  const h = await subscribed('a', '2.E');
  h.socket().receive('MSG a 1.F new-epoch');
  assertEq(h.socket().take(), ['SUB a FROM 2.E']);
  h.socket().receive('+OK 1.F LOST', 'MSG a 1.F new-epoch', 'MSG a 2.F two');
  assertEq(h.messages, ['a 2.F two']);
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['lost a']);
  assertEq(h.client.positions(), { a: '2.F' });
});

test('MSG $lost moves the topic and says so; an old notice changes nothing', async () => {
  const h = await subscribed('a', '2.E');
  h.socket().receive('MSG $lost 10.E a', 'MSG a 11.E eleven', 'MSG $lost 5.E a', 'MSG $lost 3.E other');
  assertEq(h.messages, ['a 11.E eleven']);
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['lost a', 'lost other']);
  assertEq(h.socket().take(), []);
  assertEq(h.client.positions(), { a: '11.E' });
});

test('AUTH goes first, with a fresh token per connection; a refused one is retried', async () => {
  let n = 0;
  const h = harness({ token: async () => 'token' + ++n });
  h.client.subscribe('a', h.handler);
  h.client.connect();
  await settle();
  h.socket().open();
  assertEq(h.socket().take(), ['AUTH token1'], 'nothing before the answer');
  h.socket().receive('+OK');
  assertEq(h.socket().take(), ['SUB a']);
  h.socket().receive('+OK 0.E');
  h.socket().drop();
  h.timers.fire();
  await settle();
  h.socket().open();
  assertEq(h.socket().take(), ['AUTH token2']);
  h.socket().receive('-ERR unauthorized');
  assertTrue(h.socket().closedByClient, 'closed after a refusal');
  h.socket().drop();
  assertEq(h.client.state, 'disconnected');
  h.timers.fire();
  await settle();
  h.socket().open();
  assertEq(h.socket().take(), ['AUTH token3']);
  h.socket().receive('+OK');
  assertEq(h.socket().take(), ['SUB a FROM 0.E']);
});

test('a fixed token the server refuses closes the client', async () => {
  const h = harness({ token: 'secret' });
  const open = h.client.connect();
  h.socket().open();
  assertEq(h.socket().take(), ['AUTH secret']);
  h.socket().receive('-ERR unauthorized');
  const error = await open.then(() => null, (e) => e);
  assertTrue(error && error.refused, 'connect() rejected: ' + error);
  assertEq(h.client.state, 'closed');
  assertEq(h.timers.pending.size, 0, 'no reconnect');
});

test('binary messages are decoded, and give the exact bytes', async () => {
  const h = await subscribed('a', '0.E');
  const got = [];
  h.client.unsubscribe('a');
  h.socket().take();
  h.socket().receive('+OK');
  h.client.subscribe('a', (m) => got.push(m));
  h.socket().take();
  h.socket().receive('+OK 0.E');
  await settle();
  const header = new TextEncoder().encode('MSG a 1.E ');
  const frame = new Uint8Array(header.length + 4);
  frame.set(header);
  frame.set([0xff, 0x20, 0x41, 0xc3], header.length);
  h.socket().receive(frame.buffer);
  h.socket().receive(new TextEncoder().encode('MSG a 2.E héllo wörld').buffer);
  assertEq(got.map((m) => [m.position, m.payload]), [['1.E', '\ufffd A\ufffd'], ['2.E', 'héllo wörld']]);
  assertEq([...got[0].bytes], [0xff, 0x20, 0x41, 0xc3]);
  assertEq(new TextDecoder().decode(got[1].bytes), 'héllo wörld');
});

test('-ERR unavailable asks again later; a refusal forgets the topic', async () => {
  const h = harness();
  h.client.connect();
  h.socket().open();
  const a = h.client.subscribe('a', h.handler).then(() => 'ok', (e) => e.message);
  const b = h.client.subscribe('b', h.handler).then(() => 'ok', (e) => e.message);
  h.socket().take();
  h.socket().receive('-ERR unavailable: broker timeout', '-ERR forbidden');
  assertEq([await a, await b], ['unavailable: broker timeout', 'forbidden']);
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['refused b: forbidden'], 'told once, not as an error');
  h.timers.fire(1000);
  assertEq(h.socket().take(), ['SUB a']);
  h.socket().receive('+OK');
  h.socket().drop();
  h.timers.fire();
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a'], 'b is forgotten');
});

test('unsubscribe forgets the position; subscribe while a SUB waits joins it', async () => {
  const h = await subscribed('a', '4.E');
  const first = h.client.unsubscribe('a');
  assertEq(h.socket().take(), ['UNSUB a']);
  h.socket().receive('+OK');
  await first;
  assertEq(h.client.positions(), {});
  const one = h.client.subscribe('a', h.handler);
  const two = h.client.subscribe('a', h.handler);
  assertEq(h.socket().take(), ['SUB a'], 'one command');
  h.socket().receive('+OK 4.E');
  assertEq([(await one).top, (await two).top], ['4.E', '4.E']);
});

test('subscribe with last asks for the latest messages, then resumes from its position', async () => {
  const h = harness();
  h.client.subscribe('a', h.handler, { last: 3 });
  h.client.connect();
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a LAST 3']);
  h.socket().receive('+OK 10.E RECOVERED 3', 'MSG a 8.E eight', 'MSG a 9.E nine', 'MSG a 10.E ten');
  assertEq(h.messages, ['a 8.E eight', 'a 9.E nine', 'a 10.E ten']);
  h.socket().drop();
  h.timers.fire();
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a FROM 10.E']);
});

test('given positions resume the first connection', async () => {
  const h = harness({ positions: { a: '7.E', b: 'not-a-position' } });
  h.client.subscribe('a', h.handler);
  h.client.subscribe('b', h.handler);
  h.client.connect();
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a FROM 7.E', 'SUB b']);
});

test('topics without history and pushes of other topics pass untouched', async () => {
  const all = [];
  const h = await subscribed('a', '', { onMessage: (m) => all.push(`${m.topic} ${m.position}`) });
  h.socket().receive('MSG a - one', 'MSG a - one', 'MSG user.alice 3.X server-side', 'MSG user.alice 3.X again');
  assertEq(h.messages, ['a null one', 'a null one']);
  assertEq(all, ['a null', 'a null', 'user.alice 3.X', 'user.alice 3.X']);
});

test('MSG $dropped is told, not delivered', async () => {
  const h = await subscribed('a', '0.E');
  h.socket().receive('MSG $dropped - 17');
  assertEq(h.events.pop(), 'dropped 17');
  assertEq(h.messages, []);
});

test('raw protocol: every message is a payload; the token is the first message', async () => {
  const got = [];
  const h = harness({ protocol: 'raw', token: 'secret', onMessage: (m) => got.push([m.topic, m.payload]) });
  h.client.connect();
  h.socket().open();
  assertEq(h.socket().take(), ['secret']);
  h.socket().receive('MSG a 1.E not parsed', '+OK');
  assertEq(got, [[null, 'MSG a 1.E not parsed'], [null, '+OK']]);
  let refused = '';
  try {
    h.client.subscribe('a');
  } catch (e) {
    refused = e.message;
  }
  assertEq(refused, 'subscribe needs the commands protocol');
});

test('a socket that does not open in time is closed and tried again', async () => {
  const h = harness({ openTimeout: 1234 });
  h.client.connect();
  h.timers.fire(1234);
  assertTrue(h.socket().closedByClient, 'closed at the deadline');
  h.socket().drop();
  h.timers.fire();
  assertEq(FakeSocket.all.length, 2);
});

test('commands waiting on a lost connection fail; subscriptions are sent again', async () => {
  const h = harness({ reconnect: false });
  const open = h.client.connect();
  h.socket().open();
  await open;
  const ping = h.client.ping().then(() => 'ok', (e) => e.message);
  const sub = h.client.subscribe('a', h.handler).then(() => 'ok', (e) => e.message);
  h.socket().drop();
  assertEq([await ping, await sub], ['connection lost', 'connection lost']);
  assertEq(h.timers.pending.size, 0, 'reconnect is off');
  h.client.connect();
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a']);
});

test('a silent connection is pinged, and closed when the PING gets no answer either', async () => {
  const h = harness({ heartbeat: 777 });
  h.client.connect();
  h.socket().open();
  h.timers.fire(777);
  assertEq(h.socket().take(), ['PING'], 'silent: ping');
  h.socket().receive('PONG');
  h.timers.fire(777);
  assertEq(h.socket().take(), [], 'heard: no ping');
  h.timers.fire(777);
  assertEq(h.socket().take(), ['PING'], 'silent again: ping');
  h.timers.fire(777);
  assertTrue(h.socket().closedByClient, 'no answer: closed');
  assertEq(h.client.state, 'disconnected');
  h.timers.fire();
  assertEq(FakeSocket.all.length, 2, 'reconnected');
  FakeSocket.all[0].drop(); // the dead socket's close event comes late, and changes nothing
  assertEq([FakeSocket.all.length, h.client.state], [2, 'connecting']);
});

test('a callback that throws does not stop the others', async () => {
  const h = await subscribed('a', '0.E');
  h.client.subscribe('b', () => {
    throw new Error('boom');
  });
  h.socket().take();
  h.socket().receive('+OK 0.E', 'MSG b 1.E x', 'MSG a 1.E y');
  assertEq(h.messages, ['a 1.E y']);
  assertEq(h.client.positions(), { a: '1.E', b: '1.E' });
});

/** The notices a server sends just before it closes (PROTOCOL.md 3.3), none of them a reply. */
const CLOSE_NOTICES = ['-ERR disconnected: cut by the test', '-ERR idle timeout', '-ERR server shutting down',
  '-ERR too many connections', '-ERR rate limit exceeded', '-ERR unauthorized: expired', '-ERR frame too long',
  '-ERR bad frame', '-ERR frame timeout', '-ERR too many pending commands'];

/** A client subscribed to `a`, which got 1.E and 2.E, and is open again, its `SUB a FROM 2.E` unanswered. */
async function resuming(options = {}) {
  const h = await subscribed('a', '0.E', options);
  h.socket().receive('MSG a 1.E one', 'MSG a 2.E two');
  h.socket().drop();
  h.timers.fire(50); // the reconnect: random 0.5 of 100 ms
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a FROM 2.E'], 'the resume');
  return h;
}

test('a close notice answers no command: the resume is sent again on the next connection', async () => {
  for (const notice of CLOSE_NOTICES) {
    const h = await resuming();
    const ping = h.client.ping('x').then(() => 'answered', (e) => [e.message, e.cause && e.cause.message]);
    const joined = h.client.subscribe('a', h.handler).then(() => 'answered', (e) => e.message);
    h.socket().receive(notice, 'MSG a 3.E live-before-the-close');
    h.socket().drop(1008, 'disconnected');
    assertEq(await joined, 'connection lost', notice + ': the resume was not answered');
    h.timers.fire(50);
    h.socket().open();
    assertEq(h.socket().take(), ['SUB a FROM 2.E'], notice + ': the topic is kept, with its position');
    assertEq(await ping, ['connection lost', notice.substring(5)], notice + ': the cause of the failures');
    assertEq(h.events.filter((e) => !e.startsWith('state')), ['error server: ' + notice], notice);
    h.socket().receive('+OK 3.E RECOVERED 1', 'MSG a 3.E three');
    assertEq(h.messages, ['a 1.E one', 'a 2.E two', 'a 3.E three'], notice);
  }
});

test('a plain -ERR unauthorized is still the reply to AUTH, not a close notice', async () => {
  const h = harness({ token: async () => 'token' });
  h.client.connect();
  await settle();
  h.socket().open();
  assertEq(h.socket().take(), ['AUTH token']);
  h.socket().receive('-ERR unauthorized');
  assertTrue(h.socket().closedByClient, 'the refusal answered AUTH');
});

test('transient refusals keep the topic and its position; asked again after 1 s doubling to 30 s', async () => {
  const h = await resuming({ heartbeat: false });
  const reasons = ['unavailable: the broker did not answer within 5000 ms', 'subscribe failed: down',
    'too many resumes in progress (at most 16): wait for their replies', 'a resume of this topic is in progress'];
  const delays = [];
  for (let i = 0; i < 8; i++) {
    h.timers.delays.length = 0;
    h.socket().receive('-ERR ' + reasons[i % reasons.length], 'MSG a 9.E a-gap-while-waiting');
    assertEq(h.timers.delays.length, 1, 'one timer per refusal');
    delays.push(h.timers.delays[0]);
    assertEq(h.socket().take(), [], 'no resume of the gap while waiting to ask again');
    h.timers.fire(delays[i]);
    assertEq(h.socket().take(), ['SUB a FROM 2.E'], 'asked again from the same position');
  }
  assertEq(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assertEq(h.client.positions(), { a: '2.E' });
  h.socket().receive('-ERR unavailable: again');
  h.socket().drop();
  assertEq(h.timers.pending.size, 1, 'only the reconnect is left');
  h.timers.fire(50);
  h.socket().open();
  assertEq(h.socket().take(), ['SUB a FROM 2.E'], 'at once after a reconnect');
  h.socket().receive('+OK 4.E RECOVERED 2', 'MSG a 3.E three', 'MSG a 4.E four');
  assertEq(h.messages, ['a 1.E one', 'a 2.E two', 'a 3.E three', 'a 4.E four']);
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['recovered a 2']);
  h.socket().receive('MSG a 6.E a-gap', '-ERR unavailable: one more');
  assertEq(h.timers.delays.pop(), 1000, 'the backoff starts over after a success');
});

test('a subscribe call refused for a while fails, but the topic is kept and asked again', async () => {
  const h = harness({ heartbeat: false });
  h.client.connect();
  h.socket().open();
  const first = h.client.subscribe('a', h.handler).then(() => 'ok', (e) => [e.message, e.refused]);
  assertEq(h.socket().take(), ['SUB a']);
  h.socket().receive('-ERR subscribe failed: the broker is down');
  assertEq(await first, ['subscribe failed: the broker is down', true]);
  h.timers.fire(1000);
  assertEq(h.socket().take(), ['SUB a']);
  h.socket().receive('+OK 0.E', 'MSG a 1.E one');
  assertEq(h.messages, ['a 1.E one']);
  const b = h.client.subscribe('b', h.handler).then(() => 'ok', (e) => e.message);
  const unsubscribed = h.client.unsubscribe('b');
  assertEq(h.socket().take(), ['SUB b', 'UNSUB b']);
  h.socket().receive('-ERR unavailable', '+OK');
  await unsubscribed;
  assertEq(await b, 'unavailable');
  assertEq(h.timers.pending.size, 0, 'unsubscribed meanwhile: no retry');
});

test('a final refusal of a resume forgets the topic, says so once, and asks no more', async () => {
  const h = await resuming();
  h.client.subscribe('b', h.handler);
  h.socket().receive('-ERR forbidden');
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['error the server refused SUB a: forbidden',
    'refused a: forbidden']);
  assertEq(h.client.positions(), {});
  h.socket().receive('+OK 0.E');
  h.socket().drop();
  h.timers.fire(50);
  h.socket().open();
  assertEq(h.socket().take(), ['SUB b FROM 0.E'], 'a is forgotten');
});

test('a resume of a live gap refused for good unsubscribes the topic and says so', async () => {
  const h = await subscribed('a', '2.E');
  h.socket().receive('MSG a 5.E five');
  assertEq(h.socket().take(), ['SUB a FROM 2.E']);
  h.socket().receive('-ERR bad topic');
  assertEq(h.socket().take(), ['UNSUB a'], 'the server still held it');
  assertEq(h.events.filter((e) => !e.startsWith('state')), ['error the server refused SUB a: bad topic',
    'refused a: bad topic']);
  h.socket().receive('+OK', 'MSG a 6.E late');
  assertEq(h.messages, [], 'its handler is forgotten');
  assertEq(h.client.positions(), {});
});

test('at most 16 resumes wait for their reply; later commands wait their turn, in order', async () => {
  const positions = {};
  for (let i = 0; i < 20; i++) {
    positions['t' + i] = i + '.E';
  }
  const h = harness({ positions, heartbeat: false });
  for (let i = 0; i < 20; i++) {
    h.client.subscribe('t' + i, h.handler);
  }
  h.client.subscribe('plain', h.handler);
  h.client.connect();
  h.socket().open();
  assertEq(h.socket().take(), Array.from({ length: 16 }, (_, i) => `SUB t${i} FROM ${i}.E`));
  const ping = h.client.ping('after');
  assertEq(h.socket().take(), [], 'behind the resumes waiting');
  h.socket().receive('+OK 0.E RECOVERED 0');
  assertEq(h.socket().take(), ['SUB t16 FROM 16.E']);
  h.socket().receive('+OK 1.E RECOVERED 0', '+OK 2.E RECOVERED 0');
  assertEq(h.socket().take(), ['SUB t17 FROM 17.E', 'SUB t18 FROM 18.E']);
  h.socket().receive('+OK 3.E RECOVERED 0');
  assertEq(h.socket().take(), ['SUB t19 FROM 19.E', 'SUB plain', 'PING after']);
  for (let i = 4; i < 20; i++) {
    h.socket().receive(`+OK ${i}.E RECOVERED 0`);
  }
  h.socket().receive('+OK', 'PONG after');
  assertEq(await ping, 'after');
  h.socket().receive('MSG t3 3.E live-gap-of-t3', 'MSG t4 6.E live-gap-of-t4');
  assertEq(h.socket().take(), ['SUB t4 FROM 4.E'], 'a gap resumes at once when there is room');
  assertEq(h.events.filter((e) => e.startsWith('refused') || e.startsWith('error')), []);
});

/** Runs every test; returns `{ passed, failed: [{name, error}], total }`. */
export async function run() {
  const failed = [];
  let passed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      passed++;
    } catch (e) {
      failed.push({ name: t.name, error: String(e && e.stack || e) });
    }
  }
  return { passed, failed, total: tests.length, names: tests.map((t) => t.name) };
}
