/** One CSV field (RFC 4180): quoted where it holds a quote, comma or line break; null is empty. */
export const csvCell = (v: string | number | boolean | null): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
