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

  ticket() {
    return this.request("POST", "/ws/ticket");
  }

  ack(callId, body) {
    return this.request("POST", `/calls/${encodeURIComponent(callId)}/ack`, body);
  }

  /**
   * Whether this token may ack. The API has no "who am I" route, so the console asks the ack route
   * with an empty body: the role check answers 403 before the body is read; a role that may ack gets
   * 422 `invalid_ack` for the empty body. Nothing is written either way.
   */
  async mayAck() {
    try {
      await this.request("POST", "/calls/role-probe/ack", {});
    } catch (error) {
      if (error.status === 403) return false;
      if (error.status === 401 || error.status === 0) throw error;
      return true;
    }
    return true;
  }
}
