/**
 * How Homeroom computes a student's grade in a class. This comment is the reference: when a family asks
 * "why is my grade 87.5 %?", the answer is the rules below, applied to the gradebook as the teacher entered it.
 *
 * 1. Which scores count
 *    Each assignment's score gets exactly one status, checked in this order:
 *    - dropped by the teacher ('dropped'): never counts;
 *    - exempt ('exempt'): never counts, even if it is also marked missing or has points;
 *    - incomplete with no points yet ('incomplete'): does not count until the teacher enters points; once
 *      points are entered it counts like any other score. Incomplete wins over missing: a student who was
 *      given an Incomplete is not charged a zero for it;
 *    - missing with no points ('counted'): counts as 0 out of its points possible;
 *    - no points and not missing ('ungraded'): does not count;
 *    - otherwise ('counted'): counts exactly as entered. Decision: when a teacher has entered points on a
 *      score that is also flagged missing, the entered points count (the flag stays a label for the family).
 *      A zero is only assumed when there is nothing else to go on. This is also what makes the what-if
 *      calculator useful for the question families ask most, "what if I turn in the missing work?".
 *    A family is shown one state per score in the same order (shownFlags, ADR 0025): a score dropped by the
 *    teacher is only "dropped", never also "missing", so it is not work that needs attention.
 *    Late work counts as entered: there is no automatic late penalty. Points above the points possible
 *    (extra credit) count as entered, so a grade can be above 100 %.
 *    An assignment worth 0 points is pure extra credit: its points are added to what the student earned in
 *    its category and nothing is added to what was possible.
 *    With an "as of" date (used to draw grade trends), only assignments due on or before that day are looked
 *    at; later ones are left out entirely, including from the list of statuses.
 *
 * 2. Dropping the lowest scores
 *    A category may drop the N lowest scores. Only scores that count (see 1) can be dropped, and the lowest
 *    are judged by percentage (points ÷ points possible), not by points lost. When two scores have the same
 *    percentage, the one due earlier is dropped first; if they were due the same day, the one with the lower
 *    assignment number. The rule never drops every score of a category: at least one always stays. Decision:
 *    0-point extra-credit assignments have no percentage, so they are never dropped by the rule and do not
 *    count as the "one that stays". Dropped scores get the status 'droppedByRule'; each category lists them,
 *    lowest first. The rule applies in both kinds of class.
 *
 * 3. The class grade
 *    - Points-based class: total points earned ÷ total points possible, over every score that counts. The
 *      categories (and any weights they have) are only for display.
 *    - Weighted class: each category's percentage is its points earned ÷ its points possible. The class grade
 *      is the weighted average of those percentages: the sum of (weight × category percentage) divided by
 *      the sum of the weights of the categories that have something to count. A category with nothing to
 *      count yet is left out and the others are scaled up to make up the whole; weights need not add up to
 *      100. A category whose weight is 0 or empty counts for nothing in a weighted class (its percentage is
 *      still shown). Decision: a category whose only counted scores are 0-point extra credit has no
 *      percentage yet (nothing was possible), so it is treated as empty until it has a regular score.
 *    - When nothing counts at all, there is no grade: percent, letter and GPA points are all empty (null).
 *
 * 4. Rounding and the letter
 *    The grade is shown rounded half up to 2 decimals (89.995 shows as 90.00). The letter comes from the
 *    shown percentage, so the two never disagree: 89.995 gets the letter of the 90 band, 89.994999 does
 *    not. Category percentages are shown rounded the same way, but the class grade is computed from the
 *    exact category percentages, not from the rounded ones.
 *    All arithmetic is exact: every entered number is taken as the decimal that was typed (179.99, not the
 *    nearest binary fraction, which is slightly less), and sums, products and quotients are kept as exact
 *    fractions until the final rounding. So no amount of adding up scores can tip a grade across a letter
 *    boundary by a rounding error.
 *    The letter is the band with the highest minimum that the shown percentage reaches (minimums are
 *    inclusive; bands may be listed in any order; if two bands share a minimum, the first listed wins).
 *    Below every band there is no letter.
 *
 * 5. Bad input
 *    The function is pure and takes the gradebook as it is stored. It refuses (throws a RangeError) rather
 *    than silently showing a wrong grade when the data make no sense: a number that is not finite, negative
 *    points, points possible or weights, a drop count that is not a whole number ≥ 0, a date that is not
 *    'YYYY-MM-DD', a score in a category that is not in the list, or the same assignment or category twice.
 *
 * What-if: withHypothetical() replaces the points of some assignments and changes nothing else (flags,
 * dates, other scores); feed the result to computeGrade(). The input array and its scores are not modified.
 * A hypothetical value of null means "as if not graded yet"; an override for an assignment that is not in
 * the list is ignored.
 */

export type GradingMethod = 'weighted' | 'points';

export interface CategoryInput {
  id: number;
  name: string;
  /** percent weight, e.g. 40; null for points-based classes */
  weight: number | null;
  /** drop this many lowest counted scores (by percentage) in the category */
  dropLowest: number;
}

export interface ScoreInput {
  assignmentId: number;
  categoryId: number;
  pointsPossible: number;
  /** null: not graded yet (unless missing) */
  points: number | null;
  missing: boolean;
  late: boolean;
  exempt: boolean;
  incomplete: boolean;
  /** teacher dropped it by hand */
  dropped: boolean;
  /** 'YYYY-MM-DD' */
  dueDate: string;
}

export interface GradeBand {
  letter: string;
  /** lowest percent for this letter, inclusive, e.g. 89.5 or 90 */
  minPercent: number;
  gpaPoints: number;
}

export interface CategoryResult {
  id: number;
  name: string;
  weight: number | null;
  earned: number;
  possible: number;
  /** null when nothing counts yet */
  percent: number | null;
  counted: number;
  /** assignment ids dropped by the category's drop-lowest rule */
  droppedByRule: number[];
}

export type ScoreStatus = 'counted' | 'ungraded' | 'exempt' | 'dropped' | 'droppedByRule' | 'incomplete';

export interface GradeResult {
  /** rounded to 2 decimals; null when nothing counts */
  percent: number | null;
  letter: string | null;
  gpaPoints: number | null;
  categories: CategoryResult[];
  /** per assignment, whether and how it counted */
  statuses: Map<number, ScoreStatus>;
}

export interface GradeInput {
  method: GradingMethod;
  categories: CategoryInput[];
  scores: ScoreInput[];
  scale: GradeBand[];
  /** only assignments due on or before this date count (for trends); default: all */
  asOf?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Exact fractions. Gradebooks are small (tens to hundreds of scores), so BigInt costs microseconds here.

interface Fraction {
  /** numerator */
  n: bigint;
  /** denominator, always > 0; the fraction is kept in lowest terms */
  d: bigint;
}

const ZERO: Fraction = { n: 0n, d: 1n };

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function fraction(n: bigint, d: bigint): Fraction {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

/** Whole numbers (most scores and points possible) add without a product or a gcd: n/1 is in lowest terms. */
const add = (a: Fraction, b: Fraction): Fraction => (a.d === 1n && b.d === 1n ? { n: a.n + b.n, d: 1n } : fraction(a.n * b.d + b.n * a.d, a.d * b.d));
const mul = (a: Fraction, b: Fraction): Fraction => fraction(a.n * b.n, a.d * b.d);
/** b must not be zero */
const div = (a: Fraction, b: Fraction): Fraction => fraction(a.n * b.d, a.d * b.n);
const cmp = (a: Fraction, b: Fraction): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
const toNumber = (a: Fraction): number => Number(a.n) / Number(a.d);

const HUNDRED: Fraction = { n: 100n, d: 1n };

/**
 * The decimal a person typed, e.g. 179.99 → 17999/100. JavaScript prints a double as the shortest decimal
 * that reads back as the same double, which is exactly what was typed for any gradebook-sized number.
 */
function exact(x: number): Fraction {
  // A whole number (most points): itself over 1, without reading its digits back from a string.
  if (Number.isSafeInteger(x) && x >= 0) return { n: BigInt(x), d: 1n };
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) throw new RangeError(`Not a non-negative finite number: ${x}`);
  const [, whole = '0', decimals = '', exponent = '0'] = m;
  const scale = Number(exponent) - decimals.length;
  const digits = BigInt(whole + decimals);
  return scale >= 0 ? fraction(digits * 10n ** BigInt(scale), 1n) : fraction(digits, 10n ** BigInt(-scale));
}

/** percent (exact, ≥ 0) rounded half up to hundredths: floor(100·p + ½) / 100 */
function roundPercent(p: Fraction): number {
  const hundredths = (200n * p.n + p.d) / (2n * p.d);
  return Number(hundredths) / 100;
}

// ---------------------------------------------------------------------------------------------------------
// Input checks

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function nonNegative(x: number, what: string): void {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`${what} must be a finite number ≥ 0, got ${x}`);
}

function checkDate(d: string, what: string): void {
  if (typeof d !== 'string' || !DATE.test(d)) throw new RangeError(`${what} must be 'YYYY-MM-DD', got ${String(d)}`);
}

// ---------------------------------------------------------------------------------------------------------

export interface ScoreFlags {
  missing: boolean;
  late: boolean;
  exempt: boolean;
  incomplete: boolean;
  dropped: boolean;
}

/**
 * The flags a family is shown on a score (ADR 0025), in the order of rule 1: dropped by the teacher hides
 * missing, exempt and incomplete; exempt hides missing and incomplete; incomplete with no points hides
 * missing. Late stays whatever else is set: it says when the work came in, not how it counts. The grade
 * of the shown flags is the grade of the entered ones.
 */
export function shownFlags(s: ScoreFlags & { points: number | null }): ScoreFlags {
  const dropped = s.dropped;
  const exempt = s.exempt && !dropped;
  const incomplete = s.incomplete && !dropped && !exempt;
  const missing = s.missing && !dropped && !exempt && !(incomplete && s.points === null);
  return { missing, late: s.late, exempt, incomplete, dropped };
}

/** The status of one score before any drop-lowest rule (see rule 1 of the module comment). */
function statusOf(s: ScoreInput): ScoreStatus {
  if (s.dropped) return 'dropped';
  if (s.exempt) return 'exempt';
  if (s.points === null && s.incomplete) return 'incomplete';
  if (s.points === null && !s.missing) return 'ungraded';
  return 'counted';
}

interface Counted {
  score: ScoreInput;
  /** the points as typed (a missing score with no points: 0) and the points possible, each read exactly where used */
  earned: number;
  possible: number;
}

/**
 * The exact sum of typed numbers (each ≥ 0): whole numbers are added as numbers while the total stays a
 * safe integer (which is exact), anything else as exact fractions. The same fraction as adding each
 * one's exact(), without making and adding two fractions per score (a 35 × 60 grid's grades: 4,200).
 */
function exactSum(values: readonly number[]): Fraction {
  let whole = 0;
  let rest = ZERO;
  for (const v of values) {
    const next = whole + v;
    if (Number.isSafeInteger(v) && Number.isSafeInteger(next)) whole = next;
    else rest = add(rest, exact(v));
  }
  return add(exact(whole), rest);
}

/** lowest percentage first; ties: earlier due date, then lower assignment id */
function lowestFirst(a: Counted, b: Counted): number {
  const byPercent = cmp(div(exact(a.earned), exact(a.possible)), div(exact(b.earned), exact(b.possible)));
  if (byPercent !== 0) return byPercent;
  if (a.score.dueDate !== b.score.dueDate) return a.score.dueDate < b.score.dueDate ? -1 : 1;
  return a.score.assignmentId - b.score.assignmentId;
}

export function computeGrade(input: GradeInput): GradeResult {
  const { method, categories, scores, scale, asOf } = input;
  if (method !== 'weighted' && method !== 'points') throw new RangeError(`Unknown grading method: ${String(method)}`);
  if (asOf !== undefined) checkDate(asOf, 'asOf');

  const byCategory = new Map<number, { category: CategoryInput; counted: Counted[] }>();
  for (const category of categories) {
    if (byCategory.has(category.id)) throw new RangeError(`Category ${category.id} is listed twice`);
    if (category.weight !== null) nonNegative(category.weight, `Weight of category ${category.id}`);
    if (!Number.isInteger(category.dropLowest) || category.dropLowest < 0) {
      throw new RangeError(`Drop-lowest of category ${category.id} must be a whole number ≥ 0, got ${category.dropLowest}`);
    }
    byCategory.set(category.id, { category, counted: [] });
  }

  const statuses = new Map<number, ScoreStatus>();
  const seen = new Set<number>();
  for (const s of scores) {
    if (seen.has(s.assignmentId)) throw new RangeError(`Assignment ${s.assignmentId} has two scores`);
    seen.add(s.assignmentId);
    const bucket = byCategory.get(s.categoryId);
    if (!bucket) throw new RangeError(`Assignment ${s.assignmentId} is in unknown category ${s.categoryId}`);
    nonNegative(s.pointsPossible, `Points possible of assignment ${s.assignmentId}`);
    if (s.points !== null) nonNegative(s.points, `Points of assignment ${s.assignmentId}`);
    checkDate(s.dueDate, `Due date of assignment ${s.assignmentId}`);

    if (asOf !== undefined && s.dueDate > asOf) continue;
    const status = statusOf(s);
    statuses.set(s.assignmentId, status);
    if (status === 'counted') {
      // A missing score with no points is a zero; otherwise the points as entered.
      bucket.counted.push({ score: s, earned: s.points ?? 0, possible: s.pointsPossible });
    }
  }

  const results: CategoryResult[] = [];
  /** exact earned ÷ possible per category, for the weighted average */
  const ratios: { weight: number | null; ratio: Fraction | null }[] = [];
  let totalEarned = ZERO;
  let totalPossible = ZERO;

  for (const { category, counted } of byCategory.values()) {
    // Drop-lowest applies to regular scores only (0-point extra credit has no percentage), and keeps one.
    // Sorted only when the category drops some: the sort divides two fractions per comparison.
    const droppable = category.dropLowest > 0 ? counted.filter((c) => c.possible > 0).sort(lowestFirst) : [];
    const dropCount = Math.min(category.dropLowest, Math.max(droppable.length - 1, 0));
    const droppedByRule = droppable.slice(0, dropCount).map((c) => c.score.assignmentId);
    const dropSet = new Set(droppedByRule);
    for (const id of droppedByRule) statuses.set(id, 'droppedByRule');

    const kept = dropSet.size > 0 ? counted.filter((c) => !dropSet.has(c.score.assignmentId)) : counted;
    const earned = exactSum(kept.map((c) => c.earned));
    const possible = exactSum(kept.map((c) => c.possible));
    const n = kept.length;
    totalEarned = add(totalEarned, earned);
    totalPossible = add(totalPossible, possible);

    const ratio = possible.n > 0n ? div(earned, possible) : null;
    ratios.push({ weight: category.weight, ratio });
    results.push({
      id: category.id,
      name: category.name,
      weight: category.weight,
      earned: toNumber(earned),
      possible: toNumber(possible),
      percent: ratio === null ? null : roundPercent(mul(ratio, HUNDRED)),
      counted: n,
      droppedByRule,
    });
  }

  let overall: Fraction | null = null;
  if (method === 'points') {
    if (totalPossible.n > 0n) overall = mul(div(totalEarned, totalPossible), HUNDRED);
  } else {
    let weighted = ZERO;
    let weights = ZERO;
    for (const { weight, ratio } of ratios) {
      if (ratio === null || weight === null || weight === 0) continue;
      const w = exact(weight);
      weighted = add(weighted, mul(w, ratio));
      weights = add(weights, w);
    }
    if (weights.n > 0n) overall = mul(div(weighted, weights), HUNDRED);
  }

  const percent = overall === null ? null : roundPercent(overall);
  const band = percent === null ? null : letterFor(percent, scale);
  return { percent, letter: band?.letter ?? null, gpaPoints: band?.gpaPoints ?? null, categories: results, statuses };
}

/** The band with the highest minPercent that is ≤ percent (bands in any order); null below every band. */
export function letterFor(percent: number, scale: GradeBand[]): GradeBand | null {
  let best: GradeBand | null = null;
  for (const band of scale) {
    if (band.minPercent <= percent && (best === null || band.minPercent > best.minPercent)) best = band;
  }
  return best;
}

/** What-if: the same scores with some points replaced (hypothetical), nothing else changed */
export function withHypothetical(scores: ScoreInput[], overrides: Map<number, number | null>): ScoreInput[] {
  return scores.map((s) => (overrides.has(s.assignmentId) ? { ...s, points: overrides.get(s.assignmentId) ?? null } : s));
}
