/**
 * AWS schedule expressions (EventBridge, Backup, SSM maintenance windows):
 * `rate(1 day)`, `rate(12 hours)`, or `cron(min hour day-of-month month day-of-week year)`.
 * Returns why an expression is invalid, or undefined.
 */
export function scheduleProblem(expr: string, opts: { allowRate?: boolean } = {}): string | undefined {
  if (typeof expr !== "string") return "must be a cron(...) or rate(...) expression";
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    if (opts.allowRate === false) return "must be a cron(...) expression here";
    const n = Number(rate[1]);
    if (n < 1) return "must have a rate of at least 1";
    if ((n === 1) !== /^(minute|hour|day)$/.test(rate[2])) return `must say "${n === 1 ? rate[2].replace(/s$/, "") : rate[2] + "s"}" for ${n}`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (!cron) return "must be a cron(...) or rate(...) expression";
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return `must have 6 cron fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
  const [min, hour, dom, month, dow, year] = fields;
  const ok = (f: string, re: RegExp) => f.split(",").every((part) => re.test(part));
  if (!ok(min, /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?$/)) return `has an invalid minutes field "${min}"`;
  if (!ok(hour, /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?$/)) return `has an invalid hours field "${hour}"`;
  if (!ok(dom, /^(\*|\?|L|W|\d{1,2}W?(-\d{1,2})?)(\/\d{1,2})?$/)) return `has an invalid day-of-month field "${dom}"`;
  if (!ok(month, /^(\*|(\d{1,2}|[A-Z]{3})(-(\d{1,2}|[A-Z]{3}))?)(\/\d{1,2})?$/)) return `has an invalid month field "${month}"`;
  if (!ok(dow, /^(\*|\?|L|(\d|[A-Z]{3})(-(\d|[A-Z]{3}))?(#\d)?L?)(\/\d)?$/)) return `has an invalid day-of-week field "${dow}"`;
  if (!ok(year, /^(\*|\d{4}(-\d{4})?)(\/\d{1,3})?$/)) return `has an invalid year field "${year}"`;
  if ((dom === "?") === (dow === "?")) return "must have ? in exactly one of day-of-month and day-of-week";
  return undefined;
}
