import { describe, expect, it } from 'vitest';
import {
  computeGrade,
  letterFor,
  withHypothetical,
  type CategoryInput,
  type GradeBand,
  type GradingMethod,
  type ScoreInput,
} from '../../src/domain/gradebook/grade.js';

// Listed out of order on purpose: nothing may depend on the bands being sorted.
const SCALE: GradeBand[] = [
  { letter: 'C', minPercent: 70, gpaPoints: 2 },
  { letter: 'A', minPercent: 90, gpaPoints: 4 },
  { letter: 'F', minPercent: 0, gpaPoints: 0 },
  { letter: 'B', minPercent: 80, gpaPoints: 3 },
  { letter: 'D', minPercent: 60, gpaPoints: 1 },
];

const cat = (id: number, name: string, weight: number | null, dropLowest = 0): CategoryInput => ({
  id,
  name,
  weight,
  dropLowest,
});

/** a graded, on-time score unless `more` says otherwise */
const score = (
  assignmentId: number,
  categoryId: number,
  points: number | null,
  pointsPossible: number,
  more: Partial<ScoreInput> = {},
): ScoreInput => ({
  assignmentId,
  categoryId,
  points,
  pointsPossible,
  missing: false,
  late: false,
  exempt: false,
  incomplete: false,
  dropped: false,
  dueDate: '2026-09-01',
  ...more,
});

const grade = (method: GradingMethod, categories: CategoryInput[], scores: ScoreInput[], asOf?: string) =>
  computeGrade({ method, categories, scores, scale: SCALE, ...(asOf === undefined ? {} : { asOf }) });

/** one category, points-based: the simplest class to test score rules in */
const single = (scores: ScoreInput[], dropLowest = 0) => grade('points', [cat(1, 'Homework', null, dropLowest)], scores);

describe('weighted classes', () => {
  const categories = [cat(1, 'Tests', 50), cat(2, 'Homework', 30), cat(3, 'Participation', 20)];

  it('averages the category percentages by weight (worked out by hand)', () => {
    // Tests 45/50 + 38/50 = 83/100 = 83 %; Homework 9 + 10 + 7 = 26/30 = 86.666… %; Participation 20/20 = 100 %.
    // 50 × 83 + 30 × 86.666… + 20 × 100 = 4150 + 2600 + 2000 = 8750; ÷ 100 = 87.5 → B.
    // (Pooling all points instead would give 129/150 = 86 %, so this tells the two methods apart.)
    const result = grade('weighted', categories, [
      score(1, 1, 45, 50),
      score(2, 1, 38, 50),
      score(3, 2, 9, 10),
      score(4, 2, 10, 10),
      score(5, 2, 7, 10),
      score(6, 3, 20, 20),
    ]);
    expect(result.percent).toBe(87.5);
    expect(result.letter).toBe('B');
    expect(result.gpaPoints).toBe(3);
    expect(result.categories).toEqual([
      { id: 1, name: 'Tests', weight: 50, earned: 83, possible: 100, percent: 83, counted: 2, droppedByRule: [] },
      { id: 2, name: 'Homework', weight: 30, earned: 26, possible: 30, percent: 86.67, counted: 3, droppedByRule: [] },
      { id: 3, name: 'Participation', weight: 20, earned: 20, possible: 20, percent: 100, counted: 1, droppedByRule: [] },
    ]);
  });

  it('leaves empty categories out and re-normalizes the others', () => {
    const two = [cat(1, 'Tests', 60), cat(2, 'Homework', 40)];
    // No test yet: Homework 17/20 = 85 % is the whole grade (not 40 × 85 / 100 = 34).
    expect(grade('weighted', two, [score(1, 2, 17, 20)]).percent).toBe(85);
    // A test that is only ungraded, exempt or dropped still leaves Tests empty.
    const stillEmpty = grade('weighted', two, [
      score(1, 2, 17, 20),
      score(2, 1, null, 100),
      score(3, 1, 10, 100, { exempt: true }),
      score(4, 1, 10, 100, { dropped: true }),
    ]);
    expect(stillEmpty.percent).toBe(85);
    expect(stillEmpty.categories[0]).toMatchObject({ percent: null, counted: 0, earned: 0, possible: 0 });
    // Once a test counts: 60 × 70 + 40 × 85 = 4200 + 3400 = 7600; ÷ 100 = 76 → C.
    const both = grade('weighted', two, [score(1, 2, 17, 20), score(2, 1, 70, 100)]);
    expect(both.percent).toBe(76);
    expect(both.letter).toBe('C');
  });

  it('does not need weights that add up to 100', () => {
    // 3 × 100 % + 1 × 60 % = 360; ÷ 4 = 90 (weights 3 and 1 behave like 75 and 25).
    const result = grade('weighted', [cat(1, 'Labs', 3), cat(2, 'Quizzes', 1)], [score(1, 1, 10, 10), score(2, 2, 6, 10)]);
    expect(result.percent).toBe(90);
  });

  it('gives categories weighted 0 or with no weight nothing to say in a weighted class', () => {
    const result = grade(
      'weighted',
      [cat(1, 'Tests', 100), cat(2, 'Practice', 0), cat(3, 'Ungraded warm-ups', null)],
      [score(1, 1, 9, 10), score(2, 2, 0, 10), score(3, 3, 0, 10)],
    );
    // Only Tests (90 %) counts; a 0 in Practice or Warm-ups would otherwise pull it down.
    expect(result.percent).toBe(90);
    // The scores still show, in their own categories.
    expect(result.categories.map((c) => c.percent)).toEqual([90, 0, 0]);
    expect(result.statuses.get(2)).toBe('counted');
    // With only weightless categories scored, there is no grade at all.
    const none = grade('weighted', [cat(1, 'Tests', 100), cat(2, 'Practice', 0)], [score(2, 2, 8, 10)]);
    expect(none).toMatchObject({ percent: null, letter: null, gpaPoints: null });
  });
});

describe('points-based classes', () => {
  it('pools all points, whatever the categories', () => {
    // 45 + 9 + 18 + 7 = 79 of 50 + 10 + 20 + 10 = 90 → 87.777… → 87.78 → B.
    // By category it would be Tests 90 % and Homework 34/40 = 85 %: averaging those would give 87.5.
    const scores = [score(1, 1, 45, 50), score(2, 2, 9, 10), score(3, 2, 18, 20), score(4, 2, 7, 10)];
    const result = grade('points', [cat(1, 'Tests', null), cat(2, 'Homework', null)], scores);
    expect(result.percent).toBe(87.78);
    expect(result.letter).toBe('B');
    expect(result.categories.map((c) => [c.earned, c.possible, c.percent])).toEqual([
      [45, 50, 90],
      [34, 40, 85],
    ]);
    // Weights left on the categories do not matter in a points class (weighted they would give 89.5).
    const weightsIgnored = grade('points', [cat(1, 'Tests', 90), cat(2, 'Homework', 10)], scores);
    expect(weightsIgnored.percent).toBe(87.78);
  });
});

describe('which scores count', () => {
  it('never counts exempt or teacher-dropped scores, even with points or a missing flag', () => {
    const result = single([
      score(1, 1, 8, 10),
      score(2, 1, 2, 10, { exempt: true }),
      score(3, 1, null, 10, { exempt: true, missing: true }),
      score(4, 1, 0, 10, { dropped: true }),
      score(5, 1, null, 10, { dropped: true, missing: true, exempt: true }),
    ]);
    // Only 8/10 counts.
    expect(result.percent).toBe(80);
    expect([...result.statuses]).toEqual([
      [1, 'counted'],
      [2, 'exempt'],
      [3, 'exempt'],
      [4, 'dropped'],
      [5, 'dropped'],
    ]);
    expect(result.categories[0]).toMatchObject({ earned: 8, possible: 10, counted: 1 });
  });

  it('counts a missing score with no points as a zero out of its points possible', () => {
    // 9/10 and a missing 0/10 → 9/20 = 45 % → F.
    const result = single([score(1, 1, 9, 10), score(2, 1, null, 10, { missing: true })]);
    expect(result.percent).toBe(45);
    expect(result.letter).toBe('F');
    expect(result.statuses.get(2)).toBe('counted');
  });

  it('counts points the teacher entered on a missing score as entered (the flag is only a label then)', () => {
    // 9/10 + 6/10 = 15/20 = 75 %, not 9/20.
    expect(single([score(1, 1, 9, 10), score(2, 1, 6, 10, { missing: true })]).percent).toBe(75);
  });

  it('does not count ungraded or incomplete work until it has points', () => {
    const result = single([
      score(1, 1, 8, 10),
      score(2, 1, null, 10),
      score(3, 1, null, 10, { incomplete: true }),
      // An Incomplete is not charged as a zero even if it is also flagged missing.
      score(4, 1, null, 10, { incomplete: true, missing: true }),
    ]);
    expect(result.percent).toBe(80);
    expect(result.statuses.get(2)).toBe('ungraded');
    expect(result.statuses.get(3)).toBe('incomplete');
    expect(result.statuses.get(4)).toBe('incomplete');
    expect(result.categories[0]?.counted).toBe(1);
    // Once graded, the incomplete counts: 8 + 5 = 13/20 = 65 %.
    const graded = single([score(1, 1, 8, 10), score(3, 1, 5, 10, { incomplete: true })]);
    expect(graded.percent).toBe(65);
    expect(graded.statuses.get(3)).toBe('counted');
  });

  it('counts late work as entered, with no automatic penalty', () => {
    expect(single([score(1, 1, 10, 10, { late: true })]).percent).toBe(100);
  });

  it('counts extra credit above the points possible as entered', () => {
    // 12/10 = 120 %: above 100 is allowed and still the top letter.
    const result = single([score(1, 1, 12, 10)]);
    expect(result.percent).toBe(120);
    expect(result.letter).toBe('A');
  });

  it('adds a 0-point assignment to what was earned but not to what was possible', () => {
    // 8/10 plus a 2-point bonus worth 0 → 10/10 = 100 %.
    const result = single([score(1, 1, 8, 10), score(2, 1, 2, 0)]);
    expect(result.percent).toBe(100);
    expect(result.categories[0]).toMatchObject({ earned: 10, possible: 10, counted: 2 });
    // In a weighted class the bonus raises its own category: Homework (8 + 2)/20 = 50 %,
    // Tests 80 %; 50 × 80 + 50 × 50 = 6500 → 65.
    const weighted = grade(
      'weighted',
      [cat(1, 'Tests', 50), cat(2, 'Homework', 50)],
      [score(1, 1, 8, 10), score(2, 2, 8, 20), score(3, 2, 2, 0)],
    );
    expect(weighted.percent).toBe(65);
  });

  it('treats a category with only 0-point extra credit as empty until it has a regular score', () => {
    const result = grade(
      'weighted',
      [cat(1, 'Tests', 50), cat(2, 'Bonus', 50)],
      [score(1, 1, 7, 10), score(2, 2, 3, 0)],
    );
    // Nothing was possible in Bonus, so it has no percentage and Tests (70 %) is the whole grade.
    expect(result.categories[1]).toMatchObject({ earned: 3, possible: 0, percent: null, counted: 1 });
    expect(result.percent).toBe(70);
    // In a points class the bonus points still add up: (7 + 3)/10 = 100 %.
    expect(grade('points', [cat(1, 'Tests', null), cat(2, 'Bonus', null)], [score(1, 1, 7, 10), score(2, 2, 3, 0)]).percent).toBe(100);
  });

  it('keeps decimals exactly as typed, so adding them up cannot shift the grade', () => {
    // 0.1 + 0.2 in binary is 0.30000000000000004; the gradebook shows 0.3.
    const result = single([score(1, 1, 0.1, 0.5), score(2, 1, 0.2, 0.5)]);
    expect(result.categories[0]).toMatchObject({ earned: 0.3, possible: 1 });
    expect(result.percent).toBe(30);
  });
});

describe('drop-lowest', () => {
  it('drops the lowest by percentage, not by points lost', () => {
    // 5/10 = 50 %, 8/10 = 80 %, 30/50 = 60 %: the 5/10 goes (though 30/50 lost more points).
    // Left: 38/60 = 63.33 %. (Dropping the 30/50 instead would have given 13/20 = 65 %.)
    const result = single([score(1, 1, 5, 10), score(2, 1, 8, 10), score(3, 1, 30, 50)], 1);
    expect(result.categories[0]).toMatchObject({ droppedByRule: [1], counted: 2, earned: 38, possible: 60 });
    expect(result.percent).toBe(63.33);
    expect(result.statuses.get(1)).toBe('droppedByRule');
    expect(result.statuses.get(3)).toBe('counted');
  });

  it('drops missing zeros first, and lists what it dropped lowest first', () => {
    const result = single(
      [score(1, 1, 7, 10), score(2, 1, 9, 10), score(3, 1, null, 10, { missing: true }), score(4, 1, 6, 10)],
      2,
    );
    expect(result.categories[0]?.droppedByRule).toEqual([3, 4]);
    // Left: 7 + 9 = 16/20 = 80 %.
    expect(result.percent).toBe(80);
  });

  it('breaks ties by the earlier due date, then the lower assignment number', () => {
    // Both 50 %: #1 due Sept 10 (5/10) and #2 due Sept 5 (10/20). The earlier-due #2 is dropped.
    // Left: 5/10 + 10/10 = 15/20 = 75 %. (Dropping #1 instead would give 20/30 = 66.67 %.)
    const byDate = single(
      [
        score(1, 1, 5, 10, { dueDate: '2026-09-10' }),
        score(2, 1, 10, 20, { dueDate: '2026-09-05' }),
        score(3, 1, 10, 10, { dueDate: '2026-09-01' }),
      ],
      1,
    );
    expect(byDate.categories[0]?.droppedByRule).toEqual([2]);
    expect(byDate.percent).toBe(75);

    // Same percentage and same day: the lower number (#3) goes, even listed after #4.
    // Left: 10/20 + 10/10 = 20/30 = 66.67 %. (Dropping #4 instead would give 75 %.)
    const byId = single([score(4, 1, 10, 20), score(3, 1, 5, 10), score(5, 1, 10, 10)], 1);
    expect(byId.categories[0]?.droppedByRule).toEqual([3]);
    expect(byId.percent).toBe(66.67);
  });

  it('never drops the last counted score of a category', () => {
    // Drop 3 of 2: only the lower goes, the 9/10 stays.
    const two = single([score(1, 1, 4, 10), score(2, 1, 9, 10)], 3);
    expect(two.categories[0]).toMatchObject({ droppedByRule: [1], counted: 1 });
    expect(two.percent).toBe(90);
    // A single score is never dropped; ungraded work is not a candidate and does not make room.
    const one = single([score(1, 1, 4, 10), score(2, 1, null, 10)], 2);
    expect(one.categories[0]).toMatchObject({ droppedByRule: [], counted: 1 });
    expect(one.percent).toBe(40);
    expect(one.statuses.get(2)).toBe('ungraded');
  });

  it('never drops 0-point extra credit, and does not keep it as the one that stays', () => {
    // 6/10, 8/10 and a 1-point bonus worth 0, drop 2: only the 6/10 can go (one regular score must stay).
    // Left: 8 + 1 = 9/10 = 90 %.
    const result = single([score(1, 1, 6, 10), score(2, 1, 8, 10), score(3, 1, 1, 0)], 2);
    expect(result.categories[0]?.droppedByRule).toEqual([1]);
    expect(result.percent).toBe(90);
  });

  it('applies per category in a weighted class', () => {
    // Homework drops 1: 2/10 goes, 9/10 + 7/10 = 80 %. Tests keep their 6/10 = 60 %.
    // 50 × 60 + 50 × 80 = 7000 → 70.
    const result = grade(
      'weighted',
      [cat(1, 'Tests', 50), cat(2, 'Homework', 50, 1)],
      [score(1, 1, 6, 10), score(2, 2, 2, 10), score(3, 2, 9, 10), score(4, 2, 7, 10)],
    );
    expect(result.categories.map((c) => c.droppedByRule)).toEqual([[], [2]]);
    expect(result.percent).toBe(70);
  });
});

describe('rounding and letters', () => {
  it('rounds 89.995 up to 90.00 and gives it the 90 band; 89.994999 stays an 89.99 B', () => {
    // 17999/20000 = 89.995 % exactly.
    expect(single([score(1, 1, 17999, 20000)])).toMatchObject({ percent: 90, letter: 'A', gpaPoints: 4 });
    // 89994999/100000000 = 89.994999 %.
    expect(single([score(1, 1, 89994999, 100000000)])).toMatchObject({ percent: 89.99, letter: 'B', gpaPoints: 3 });
  });

  it('rounds decimals typed by a teacher the same way (179.99 of 200 is 89.995)', () => {
    expect(single([score(1, 1, 179.99, 200)])).toMatchObject({ percent: 90, letter: 'A' });
    // Adding 60.33 + 59.83 + 59.83 in binary gives 179.98999999999998; the grade must not notice.
    const summed = single([score(1, 1, 60.33, 70), score(2, 1, 59.83, 65), score(3, 1, 59.83, 65)]);
    expect(summed).toMatchObject({ percent: 90, letter: 'A' });
  });

  it('rounds every half-hundredth up and everything just below it down', () => {
    // Every boundary from 50.005 % to 99.995 %: (2h + 1)/20000 of the points is exactly h.h5 %.
    // Plain floating point gets hundreds of these wrong (69.995 → 69.99, for one).
    const wrong: string[] = [];
    for (let h = 5000; h < 10000; h += 1) {
      const at = single([score(1, 1, 2 * h + 1, 20000)]).percent;
      const below = single([score(1, 1, (2 * h + 1) * 1000 - 1, 20_000_000)]).percent;
      if (at !== (h + 1) / 100 || below !== h / 100) wrong.push(`${(2 * h + 1) / 200}: ${at} / ${below}`);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds a weighted average at the boundary exactly too', () => {
    // 50 × 100 % + 50 × 79.99 % = 8999.5; ÷ 100 = 89.995 → 90.00 → A.
    const categories = [cat(1, 'Tests', 50), cat(2, 'Homework', 50)];
    expect(grade('weighted', categories, [score(1, 1, 10, 10), score(2, 2, 7999, 10000)])).toMatchObject({
      percent: 90,
      letter: 'A',
    });
    // 79.9899 % instead: 89.99495 → 89.99 → B.
    expect(grade('weighted', categories, [score(1, 1, 10, 10), score(2, 2, 799899, 1000000)])).toMatchObject({
      percent: 89.99,
      letter: 'B',
    });
    // Weights as typed, e.g. 33.3 and 66.7: 33.3 × 100 + 66.7 × 85 = 3330 + 5669.5 = 8999.5 → 90.00.
    const thirds = [cat(1, 'Tests', 33.3), cat(2, 'Homework', 66.7)];
    expect(grade('weighted', thirds, [score(1, 1, 10, 10), score(2, 2, 17, 20)]).percent).toBe(90);
  });

  it('looks the letter up from the shown percentage on a scale with 89.5 bands', () => {
    const plusMinus: GradeBand[] = [
      { letter: 'B+', minPercent: 86.5, gpaPoints: 3.3 },
      { letter: 'A-', minPercent: 89.5, gpaPoints: 3.7 },
    ];
    // 17899/20000 = 89.495 % → shows 89.50 → A-, never "89.50 B+".
    const result = computeGrade({ method: 'points', categories: [cat(1, 'All', null)], scores: [score(1, 1, 17899, 20000)], scale: plusMinus });
    expect(result).toMatchObject({ percent: 89.5, letter: 'A-', gpaPoints: 3.7 });
  });

  it('finds the band with the highest minimum reached, in any order', () => {
    expect(letterFor(85, SCALE)?.letter).toBe('B');
    expect(letterFor(90, SCALE)?.letter).toBe('A');
    expect(letterFor(89.99, SCALE)?.letter).toBe('B');
    expect(letterFor(104.5, SCALE)?.letter).toBe('A');
    expect(letterFor(0, SCALE)?.letter).toBe('F');
    expect(letterFor(60, SCALE)).toEqual({ letter: 'D', minPercent: 60, gpaPoints: 1 });
    // Below every band, or no bands at all: no letter.
    const noF = SCALE.filter((b) => b.letter !== 'F');
    expect(letterFor(59.99, noF)).toBeNull();
    expect(letterFor(95, [])).toBeNull();
  });

  it('gives a percentage but no letter when the scale has none for it', () => {
    const result = computeGrade({ method: 'points', categories: [cat(1, 'All', null)], scores: [score(1, 1, 5, 10)], scale: [] });
    expect(result).toMatchObject({ percent: 50, letter: null, gpaPoints: null });
  });
});

describe('as of a date (trends)', () => {
  const scores = [
    score(1, 1, 10, 10, { dueDate: '2026-09-01' }),
    score(2, 1, 6, 10, { dueDate: '2026-09-15' }),
    score(3, 1, 0, 10, { dueDate: '2026-10-01' }),
  ];
  const categories = [cat(1, 'Homework', null, 1)];

  it('counts only assignments due on or before the day', () => {
    // Sept 15 is included, Oct 1 is not: (10 + 6)/20 = 80 %, and Oct 1 has no status at all.
    const before = grade('points', [cat(1, 'Homework', null)], scores, '2026-09-15');
    expect(before.percent).toBe(80);
    expect([...before.statuses.keys()]).toEqual([1, 2]);
    const day = grade('points', [cat(1, 'Homework', null)], scores, '2026-09-14');
    expect(day.percent).toBe(100);
    // Without a date everything counts: 16/30 = 53.33 %.
    expect(grade('points', [cat(1, 'Homework', null)], scores).percent).toBe(53.33);
  });

  it('applies drop-lowest to what was due by then', () => {
    // By Sept 15 the 6/10 is the lowest and goes; by Oct 1 the 0/10 goes instead.
    expect(grade('points', categories, scores, '2026-09-15').categories[0]?.droppedByRule).toEqual([2]);
    expect(grade('points', categories, scores, '2026-10-01').categories[0]?.droppedByRule).toEqual([3]);
    expect(grade('points', categories, scores, '2026-10-01').percent).toBe(80);
  });
});

describe('what-if', () => {
  const scores = [
    score(1, 1, 6, 10),
    score(2, 1, null, 10),
    score(3, 1, null, 10, { missing: true }),
    score(4, 1, 10, 10, { exempt: true }),
  ];

  it('changes the grade with hypothetical points and leaves the real scores untouched', () => {
    const before = structuredClone(scores);
    // Real: 6/10 + missing 0/10 = 6/20 = 30 %.
    expect(single(scores).percent).toBe(30);
    // What if the ungraded one got 10 and the missing one were turned in for 8? (6 + 10 + 8)/30 = 80 %.
    const whatIf = withHypothetical(scores, new Map([[2, 10], [3, 8]]));
    expect(single(whatIf).percent).toBe(80);
    // Nothing else changes: the flags stay, only the points differ.
    expect(whatIf[2]).toEqual({ ...scores[2], points: 8 });
    expect(whatIf).not.toBe(scores);
    expect(scores).toEqual(before);
    expect(single(scores).percent).toBe(30);
  });

  it('can take a score away (null), keeps exemptions and ignores assignments not in the list', () => {
    // Without the 6/10, only the missing zero is left: 0 %. The exempt 10/10 stays exempt even at 0.
    const whatIf = withHypothetical(scores, new Map<number, number | null>([[1, null], [4, 0], [99, 5]]));
    expect(whatIf).toHaveLength(4);
    expect(single(whatIf).percent).toBe(0);
    expect(single(whatIf).statuses.get(4)).toBe('exempt');
    expect(whatIf[0]?.points).toBeNull();
    expect(scores[0]?.points).toBe(6);
  });
});

describe('nothing to count', () => {
  it('has no grade, letter or GPA when nothing counts', () => {
    const result = grade(
      'weighted',
      [cat(1, 'Tests', 60), cat(2, 'Homework', 40)],
      [score(1, 1, null, 10), score(2, 2, 5, 10, { exempt: true }), score(3, 2, null, 10, { incomplete: true })],
    );
    expect(result).toMatchObject({ percent: null, letter: null, gpaPoints: null });
    expect(result.categories.map((c) => [c.percent, c.counted])).toEqual([
      [null, 0],
      [null, 0],
    ]);
    expect(single([])).toMatchObject({ percent: null, letter: null, gpaPoints: null });
    expect(single([score(1, 1, null, 10)]).percent).toBeNull();
  });
});

describe('bad gradebook data', () => {
  it('refuses rather than show a wrong grade', () => {
    expect(() => single([score(1, 2, 5, 10)])).toThrow(/unknown category 2/);
    expect(() => single([score(1, 1, -1, 10)])).toThrow(RangeError);
    expect(() => single([score(1, 1, Number.NaN, 10)])).toThrow(RangeError);
    expect(() => single([score(1, 1, 5, Number.POSITIVE_INFINITY)])).toThrow(RangeError);
    expect(() => single([score(1, 1, 5, 10), score(1, 1, 6, 10)])).toThrow(/two scores/);
    expect(() => single([score(1, 1, 5, 10)], 1.5)).toThrow(RangeError);
    expect(() => single([score(1, 1, 5, 10, { dueDate: '9/1/2026' })])).toThrow(RangeError);
    expect(() => grade('points', [cat(1, 'A', null)], [], '2026-9-1')).toThrow(RangeError);
    expect(() => grade('weighted', [cat(1, 'A', -10)], [])).toThrow(RangeError);
  });
});
