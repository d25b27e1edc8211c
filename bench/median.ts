// The one median every bench reports: with an even count it is the mean of the middle two (taking
// the upper one alone made a 2-run "median" the slower run's maximum).

/** Median of a list of numbers; the mean of the middle two for an even count. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
