// Call timers: per-priority warning and danger thresholds, the level of an elapsed time, its text.
//
// Thresholds are seconds, `{"1": [warn, danger], ...}` by priority (1 most urgent); an element
// attribute may replace any priority's pair.

export const DEFAULT_RECEIVED_THRESHOLDS = {
  1: [120, 300],
  2: [300, 600],
  3: [600, 1200],
  4: [1200, 2400],
  5: [1800, 3600],
};

export const DEFAULT_QUEUE_THRESHOLDS = {
  1: [60, 180],
  2: [180, 420],
  3: [300, 900],
  4: [900, 1800],
  5: [1200, 2700],
};

/** Parse a thresholds attribute over the defaults; throws an Error saying what is wrong. */
export function parseThresholds(text, defaults) {
  const merged = { ...defaults };
  if (!text) return merged;
  let given;
  try {
    given = JSON.parse(text);
  } catch (error) {
    throw new Error(`thresholds are not JSON (${error.message}); write {"1": [120, 300], ...}`);
  }
  for (const [priority, pair] of Object.entries(given)) {
    const ok =
      /^[1-5]$/.test(priority) &&
      Array.isArray(pair) &&
      pair.length === 2 &&
      pair.every((n) => Number.isFinite(n) && n >= 0) &&
      pair[0] <= pair[1];
    if (!ok) {
      throw new Error(
        `priority ${priority}: thresholds are [warn_s, danger_s] with 0 <= warn <= danger, got ${JSON.stringify(pair)}`,
      );
    }
    merged[priority] = pair;
  }
  return merged;
}

export function levelOf(elapsedS, priority, thresholds) {
  const [warn, danger] = thresholds[priority] ?? thresholds[5];
  if (elapsedS >= danger) return "danger";
  if (elapsedS >= warn) return "warn";
  return "ok";
}

/** 75 -> "1:15", 3725 -> "1:02:05"; negative (clock skew) shows as 0:00. */
export function formatElapsed(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** 5400 -> "1 h 30 min", 300 -> "5 min", negative -> "ended". */
export function formatDuration(seconds) {
  if (seconds <= 0) return "ended";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
