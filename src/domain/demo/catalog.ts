/**
 * The demo district's course catalog: what a typical US middle school (grades 6–8) and high school
 * (grades 9–12) teach. A core slot is one year-long course or a pair of semester courses that share
 * a period; every student takes the core slots of their grade and fills the rest of a 7-period day
 * with electives.
 */
export type Dept =
  | 'English'
  | 'Mathematics'
  | 'Science'
  | 'Social Studies'
  | 'Physical Education'
  | 'World Languages'
  | 'Fine Arts'
  | 'Music'
  | 'Computer Science'
  | 'Career and Technical Education';

export interface CourseDef {
  code: string;
  title: string;
  dept: Dept;
  /** year-long, or first / second semester only */
  term: 'year' | 'S1' | 'S2';
  credits: number;
}

export type CoreSlot = readonly CourseDef[];

const y = (code: string, title: string, dept: Dept, credits: number): CourseDef => ({
  code,
  title,
  dept,
  term: 'year',
  credits,
});
const pair = (a: [string, string], b: [string, string], dept: Dept, credits: number): CoreSlot => [
  { code: a[0], title: a[1], dept, term: 'S1', credits },
  { code: b[0], title: b[1], dept, term: 'S2', credits },
];

export const PERIODS_PER_DAY = 7;

export const MIDDLE_CORE: Readonly<Record<number, readonly CoreSlot[]>> = {
  6: [
    [y('ELA6', 'English Language Arts 6', 'English', 0)],
    [y('MATH6', 'Mathematics 6', 'Mathematics', 0)],
    [y('SCI6', 'Earth Science 6', 'Science', 0)],
    [y('SS6', 'World Cultures 6', 'Social Studies', 0)],
    pair(['PE6', 'Physical Education 6'], ['HLTH6', 'Health 6'], 'Physical Education', 0),
  ],
  7: [
    [y('ELA7', 'English Language Arts 7', 'English', 0)],
    [y('MATH7', 'Mathematics 7', 'Mathematics', 0)],
    [y('SCI7', 'Life Science 7', 'Science', 0)],
    [y('SS7', 'World History 7', 'Social Studies', 0)],
    pair(['PE7', 'Physical Education 7'], ['HLTH7', 'Health 7'], 'Physical Education', 0),
  ],
  8: [
    [y('ELA8', 'English Language Arts 8', 'English', 0)],
    [y('PALG8', 'Pre-Algebra 8', 'Mathematics', 0)],
    [y('SCI8', 'Physical Science 8', 'Science', 0)],
    [y('SS8', 'U.S. History 8', 'Social Studies', 0)],
    pair(['PE8', 'Physical Education 8'], ['HLTH8', 'Health 8'], 'Physical Education', 0),
  ],
};

export const MIDDLE_ELECTIVES: readonly CourseDef[] = [
  y('ART-MS', 'Art', 'Fine Arts', 0),
  y('BAND-MS', 'Band', 'Music', 0),
  y('CHOIR-MS', 'Choir', 'Music', 0),
  y('ORCH-MS', 'Orchestra', 'Music', 0),
  y('SPAN-MS', 'Exploratory Spanish', 'World Languages', 0),
  y('CSD-MS', 'Computer Science Discoveries', 'Computer Science', 0),
  y('THTR-MS', 'Theater Arts', 'Fine Arts', 0),
  y('FCS-MS', 'Family and Consumer Sciences', 'Career and Technical Education', 0),
  y('STEM-MS', 'STEM Design and Modeling', 'Career and Technical Education', 0),
];

export const HIGH_CORE: Readonly<Record<number, readonly CoreSlot[]>> = {
  9: [
    [y('ENG9', 'English 9', 'English', 1)],
    [y('ALG1', 'Algebra I', 'Mathematics', 1)],
    [y('BIO', 'Biology', 'Science', 1)],
    [y('WHIST', 'World History', 'Social Studies', 1)],
    pair(['PE9', 'Physical Education'], ['HLTH9', 'Health'], 'Physical Education', 0.5),
  ],
  10: [
    [y('ENG10', 'English 10', 'English', 1)],
    [y('GEOM', 'Geometry', 'Mathematics', 1)],
    [y('CHEM', 'Chemistry', 'Science', 1)],
    [y('USHIST', 'U.S. History', 'Social Studies', 1)],
  ],
  11: [
    [y('ENG11', 'American Literature', 'English', 1)],
    [y('ALG2', 'Algebra II', 'Mathematics', 1)],
    [y('PHYS', 'Physics', 'Science', 1)],
    pair(['GOV', 'American Government'], ['ECON', 'Economics'], 'Social Studies', 0.5),
  ],
  12: [
    [y('ENG12', 'British Literature', 'English', 1)],
    [y('PRECALC', 'Pre-Calculus', 'Mathematics', 1)],
    [y('ENVSCI', 'Environmental Science', 'Science', 1)],
  ],
};

export const HIGH_ELECTIVES: readonly CourseDef[] = [
  y('SPAN1', 'Spanish I', 'World Languages', 1),
  y('SPAN2', 'Spanish II', 'World Languages', 1),
  y('FREN1', 'French I', 'World Languages', 1),
  y('ART1', 'Art I', 'Fine Arts', 1),
  y('CERAM', 'Ceramics', 'Fine Arts', 1),
  y('BAND', 'Concert Band', 'Music', 1),
  y('CHOIR', 'Concert Choir', 'Music', 1),
  y('CSP', 'AP Computer Science Principles', 'Computer Science', 1),
  y('CSA', 'AP Computer Science A', 'Computer Science', 1),
  y('JOURN', 'Journalism', 'English', 1),
  y('CRWRT', 'Creative Writing', 'English', 1),
  y('PSYCH', 'Psychology', 'Social Studies', 1),
  y('PFIN', 'Personal Finance', 'Career and Technical Education', 1),
  y('WTTRN', 'Weight Training', 'Physical Education', 1),
  y('THTR', 'Theater', 'Fine Arts', 1),
  y('ENGR', 'Engineering Design', 'Career and Technical Education', 1),
  y('CULIN', 'Culinary Arts', 'Career and Technical Education', 1),
  y('APSTAT', 'AP Statistics', 'Mathematics', 1),
  y('ANAT', 'Anatomy and Physiology', 'Science', 1),
];

export function coreSlots(grade: number): readonly CoreSlot[] {
  const slots = grade <= 8 ? MIDDLE_CORE[grade] : HIGH_CORE[grade];
  if (!slots) throw new Error(`No courses for grade ${grade}`);
  return slots;
}

export function electives(grade: number): readonly CourseDef[] {
  return grade <= 8 ? MIDDLE_ELECTIVES : HIGH_ELECTIVES;
}

export const SCHOOL_NAMES: readonly string[] = [
  'Jefferson', 'Lincoln', 'Riverside', 'Oak Grove', 'Prairie View', 'Lakeview', 'Hillcrest', 'Washington',
  'Meadowbrook', 'Westwood', 'Eastside', 'Northridge', 'Southview', 'Cedar Ridge', 'Maple Hills', 'Pioneer',
  'Heritage', 'Liberty', 'Summit', 'Valley View', 'Willow Creek', 'Stonebridge', 'Fairview', 'Kennedy',
  'Roosevelt', 'Carver', 'Chavez', 'Truman', 'Parkway', 'Sunset Hills', 'Bluff View', 'Mill Creek',
  'Franklin', 'Douglass', 'Clearwater', 'Granite Falls', 'Brookside', 'Timberline', 'Harmony', 'Redbud',
];
