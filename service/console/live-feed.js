// The live decision feed: one WebSocket opened with a one-use ticket, resumed after a drop from the
// last frame it delivered, reconnected with exponential backoff and jitter.
//
// Resume position: a frame's string `cursor` when frames carry one (valid on any instance), else
// its integer `seq`. A `{"type": "gap"}` frame, or a reconnect before any frame was seen, means
// frames may be missing: the owner reloads GET /calls (`onResync`).
//
// States reported to `onState(state, detail)`: connecting, live, reconnecting (detail: seconds until
// the next try and the attempt number), unauthorized (the token was refused: no retry), stopped.

const MAX_DELAY_MS = 15000;
const FIRST_DELAY_MS = 500;

export class LiveFeed {
  constructor({ api, wsUrl, region, onFrame, onResync, onState }) {
    this.api = api;
    this.region = region;
    this.wsUrl = wsUrl;
    this.onFrame = onFrame;
    this.onResync = onResync;
    this.onState = onState;
    this.position = null;
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.stopped = true;
    this.everOpened = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000, "console closed");
      this.socket = null;
    }
    this.onState("stopped");
  }

  async connect() {
    if (this.stopped) return;
    this.onState(this.everOpened ? "reconnecting" : "connecting", { attempt: this.attempt });
    let ticket;
    try {
      ticket = await this.api.ticket();
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        this.stopped = true;
        this.onState("unauthorized", { detail: error.detail });
        return;
      }
      this.retry();
      return;
    }
    if (this.stopped) return;
    const url = new URL(this.wsUrl);
    url.searchParams.set("ticket", ticket.ticket);
    if (this.region) url.searchParams.set("region", this.region);
    if (this.position !== null) url.searchParams.set("after", String(this.position));
    const resumed = this.position !== null;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      const first = !this.everOpened;
      this.everOpened = true;
      this.onState("live", { resumed });
      // Without a position, frames published while we were away cannot be asked for: reload.
      if (!resumed) this.onResync(first ? "initial" : "reconnected without a position");
    };
    socket.onmessage = (event) => this.receive(event);
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      this.retry();
    };
  }

  receive(event) {
    const arrival = event.timeStamp;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === "gap") {
      this.position = null;
      this.onResync("gap");
      return;
    }
    this.position = typeof frame.cursor === "string" ? frame.cursor : frame.seq;
    this.onFrame(frame, arrival);
  }

  retry() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.onState("reconnecting", { attempt: this.attempt, inS: Math.ceil(delay / 1000) });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
