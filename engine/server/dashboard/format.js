// Formatting shared by the dashboard's parts: clock times, durations, numbers, HTML escapes.

export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const pad = (x) => String(x).padStart(2, '0');

/** hh:mm:ss of a number of seconds (wrapping at a day). */
export function hms(s) {
  const t = ((Math.floor(s) % 86400) + 86400) % 86400;
  return `${pad(Math.floor(t / 3600))}:${pad(Math.floor((t % 3600) / 60))}:${pad(t % 60)}`;
}

/**
 * The clock time of engine time tS: the scenario's time of day when it has
 * one; the wall clock when the engine runs in real time on field data; else
 * the time since the run began ("+hh:mm:ss").
 */
export function fmtClock(app, tS) {
  const c = app.clock;
  if (c.startTimeOfDayS !== null && c.startTimeOfDayS !== undefined) return hms(c.startTimeOfDayS + tS);
  if (c.wallAtT0Ms !== undefined) {
    const d = new Date(c.wallAtT0Ms + tS * 1000);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  return `+${hms(tS)}`;
}

/** A duration: "42 s", "3 min 5 s", "1 h 02 min". */
export function fmtDur(s) {
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

export function fmtNum(x, digits = 0) {
  return Number.isFinite(x) ? x.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
}
