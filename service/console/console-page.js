// The /console page: finds the API token, hands it to <corespond-console>, signs in again on refusal.
//
// The token comes from the URL fragment (`/console#token=...`: browsers never send a fragment to the
// server, so it is in no request and no log), is removed from the address bar at once, and is kept
// in sessionStorage (this tab only, gone when it closes). Without one the page asks for it. Query
// parameters become the element's attributes: `/console?tile-url=...&queue-thresholds=...`.

const KEY = "corespond.token";
const ATTRIBUTES = [
  "api-base",
  "ws-url",
  "region",
  "received-thresholds",
  "queue-thresholds",
  "tile-url",
  "tile-attribution",
  "stale-location-s",
  "units-refresh-s",
  "perf-probe",
];

const element = document.querySelector("corespond-console");
const form = document.getElementById("sign-in");
const input = document.getElementById("token");
const error = document.getElementById("sign-in-error");

function tokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  if (token !== null) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return token;
}

function open(token) {
  sessionStorage.setItem(KEY, token);
  element.token = token;
}


function askForToken(message) {
  sessionStorage.removeItem(KEY);
  if (typeof element.stop === "function") element.stop();
  element.hidden = true;
  form.hidden = false;
  error.textContent = message;
  input.value = "";
  input.focus();
}

const query = new URLSearchParams(window.location.search);
for (const name of ATTRIBUTES) {
  if (query.has(name)) element.setAttribute(name, query.get(name));
}

// The element starts as soon as it is defined: without a token it is told 401 (or, on a service
// run without API keys on loopback, it is let in).
element.addEventListener("corespond:ready", () => {
  form.hidden = true;
  element.hidden = false;
  element.focusQueue();
});
element.addEventListener("corespond:unauthorized", () =>
  askForToken(
    sessionStorage.getItem(KEY)
      ? "That token was refused (expired, mistyped or revoked). Paste a valid one."
      : "",
  ),
);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = input.value.trim();
  if (token.length < 16) {
    error.textContent = "A token has at least 16 characters.";
    return;
  }
  open(token);
});

// The token is set before the element's module loads, so its first request already carries it.
const token = tokenFromFragment() ?? sessionStorage.getItem(KEY);
if (token) open(token);
await import("./corespond-console.js");
