/** The FineWeb filter chain in FineWeb's order: Gopher repetition, Gopher quality, C4, FineWeb. */
import { z } from 'zod';
import { gopherRepetition, gopherRepetitionConfig } from './gopher-repetition.js';
import { gopherQuality, gopherQualityConfig } from './gopher-quality.js';
import { c4Quality, c4QualityConfig } from './c4-quality.js';
import { finewebQuality, finewebQualityConfig } from './fineweb-quality.js';

/** Every filter's switches and thresholds; `{}` gives FineWeb's defaults. */
export const qualityFilterConfig = z.object({
  gopherRepetition: gopherRepetitionConfig.prefault({}),
  gopherQuality: gopherQualityConfig.prefault({}),
  c4: c4QualityConfig.prefault({}),
  fineweb: finewebQualityConfig.prefault({}),
});
export type QualityFilterConfig = z.infer<typeof qualityFilterConfig>;

/** Outcome of the chain: the (C4-cleaned) text to keep, or the reason to drop it. */
export type FilterVerdict = { keep: true; text: string } | { keep: false; reason: string };

/** Runs the enabled filters in order; the first failing one names the drop reason. */
export function qualityFilters(text: string, cfg: QualityFilterConfig = qualityFilterConfig.parse({})): FilterVerdict {
  let t = text;
  if (cfg.gopherRepetition.enabled) {
    const r = gopherRepetition(t, cfg.gopherRepetition);
    if (r) return { keep: false, reason: `gopher_rep_${r}` };
  }
  if (cfg.gopherQuality.enabled) {
    const r = gopherQuality(t, cfg.gopherQuality);
    if (r) return { keep: false, reason: r };
  }
  if (cfg.c4.enabled) {
    const r = c4Quality(t, cfg.c4);
    if (r.drop !== undefined) return { keep: false, reason: `c4_${r.drop}` };
    t = r.text;
  }
  if (cfg.fineweb.enabled) {
    const r = finewebQuality(t, cfg.fineweb);
    if (r) return { keep: false, reason: `fineweb_${r}` };
  }
  return { keep: true, text: t };
}
