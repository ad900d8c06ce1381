// The console's REST client: bearer token on every request, refusals as `ApiError` with the
// service's own code and detail (`{"error", "detail"}`), network failures as code `network`.

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(`${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export class Api {
  /** @param {string} base e.g. "https://corespond.example"; region: one region only, or null for all */
  constructor(base, token, region) {
    this.base = base.replace(/\/$/, "");
    this.token = token;
    this.regionName = region || null;
    this.region = region ? `?region=${encodeURIComponent(region)}` : "";
  }

  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      throw new ApiError(0, "network", `the service did not answer (${error.message})`);
    }
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const code = parsed && typeof parsed.error === "string" ? parsed.error : `http_${response.status}`;
      const detail = parsed && typeof parsed.detail === "string" ? parsed.detail : response.statusText;
      throw new ApiError(response.status, code, detail);
    }
    return parsed;
  }

  calls() {
    return this.request("GET", `/calls${this.region}`);
  }

  units() {
    return this.request("GET", `/units${this.region}`);
  }

  /** GET /ledger (JSON); `params` become its query (from, reason, outcome, limit, order, ...). */
  ledger(params) {
    return this.request("GET", `/ledger?${this.query(params)}`);
  }

  /** GET /stats; `params` become its query (from, to, tz). */
  stats(params) {
    return this.request("GET", `/stats?${this.query(params)}`);
  }

  query(params) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== "") query.append(name, value);
    }
    if (this.regionName) query.append("region", this.regionName);
    return query.toString();
  }

  ticket() {
    return this.request("POST", "/ws/ticket");
  }

  ack(callId, body) {
    return this.request("POST", `/calls/${encodeURIComponent(callId)}/ack`, body);
  }

  /** Who this token is: `{principal, role, permissions}` from `GET /me` (401 for a bad token). */
  me() {
    return this.request("GET", "/me");
  }
}
