/**
 * English messages. Every user-facing string of Homeroom lives here and in es.ts; `{name}` marks a
 * value filled in at run time. Keys are grouped by page or part.
 */
export const en = {
  'app.name': 'Homeroom',
  'layout.skip': 'Skip to main content',
  'layout.language': 'Language',
  'layout.footer.help': 'Help with the portal:',
  'layout.footer.poweredBy': 'Powered by Homeroom, open-source software for schools and families.',
  'layout.footer.accessibility': 'Accessibility',
  'layout.footer.privacy': 'Privacy',
  'layout.home': '{portal} home',

  'signIn.title': 'Sign in',
  'signIn.heading': '{portal}',
  'signIn.username': 'Username',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign In',
  'signIn.forgotPassword': 'Forgot your password?',
  'signIn.forgotUsername': 'Forgot your username?',
  'signIn.problems': 'Problems logging in?',
  'signIn.helpLinks': 'Help signing in',
  'signIn.activation.have': 'If you have been assigned a {portal} Activation Key,',
  'signIn.activation.haveNot': 'If you do not have an Activation Key,',
  'signIn.activation.clickHere': 'click here',
  'signIn.activation.haveLink': 'Use an Activation Key',
  'signIn.activation.haveNotLink': 'Request an account',
  'signIn.notYet':
    'Signing in is not available yet in this version of Homeroom. The demo accounts below will work once it is.',
  'signIn.announcements': 'District Announcements',
  'signIn.noAnnouncements': 'There are no announcements right now.',
  'signIn.resources': 'Portal Resources',
  'signIn.resourcesIntro':
    'To find additional resources, such as instructional videos, FAQs, and information on the mobile app, use the links below:',
  'signIn.studentHint': 'Students: your username is your student ID number, including any zeros at the beginning.',

  'demo.heading': 'Demo district',
  'demo.intro':
    'This is a demonstration district: every person in it is made up. Try these accounts. Emails are not sent anywhere.',
  'demo.role': 'Role',
  'demo.name': 'Name',
  'demo.username': 'Username',
  'demo.password': 'Password',
  'demo.sees': 'Sees',
  'demo.role.student': 'Student',
  'demo.role.parent': 'Parent',
  'demo.role.teacher': 'Teacher',
  'demo.role.office': 'Office staff',
  'demo.role.counselor': 'Counselor',
  'demo.role.nurse': 'Nurse',
  'demo.role.district_admin': 'District administrator',
  'demo.studentNote': 'The student password follows the district rule: initials and birth date (mmddyy). It must be changed at first sign-in.',
  'demo.spanish': 'prefers Spanish',

  'soon.title': 'Coming soon',
  'soon.body': '{feature} is not available yet in this version of {portal}. It is on the way.',
  'soon.back': 'Back to the sign-in page',
  'soon.help': 'If you need help now, email {email}.',
  'feature.forgotPassword': 'Resetting a forgotten password',
  'feature.forgotUsername': 'Finding a forgotten username',
  'feature.problems': 'The sign-in help page',
  'feature.activation': 'Signing up with an Activation Key',
  'feature.requestAccount': 'The account request form',
  'feature.signIn': 'Signing in',
  'feature.accessibility': 'The accessibility statement',
  'feature.privacy': 'The privacy notice',

  'help.parents.title': 'Parent Resources',
  'help.parents.intro': '{portal} lets parents and guardians follow their children’s school day.',
  'help.parents.account': 'Your account',
  'help.parents.accountBody':
    'New portal accounts are created each night for parents who have a unique email address on file with the school. You receive an email with your username and a link to choose your password. The school never sends a password by email.',
  'help.parents.children': 'One account for all your children',
  'help.parents.childrenBody':
    'If you have more than one child in the district, you see all of them with the same account and switch between them at the top of each page.',
  'help.parents.recovery': 'If you forget your username or password',
  'help.parents.recoveryBody':
    'Enter an account security email in Account Settings. With it you can reset your password or get your username by email, any time, without calling the school.',
  'help.parents.phone': 'On your phone',
  'help.parents.phoneBody':
    'The portal works in your phone’s browser. You can add it to your home screen and turn on notifications for changes in attendance, grades and assignments.',
  'help.students.title': 'Student Resources',
  'help.students.intro': '{portal} is where students in grades 6 through 12 see their schedule, assignments, grades and more.',
  'help.students.signIn': 'Signing in the first time',
  'help.students.signInBody':
    'Your username is your student ID number. Type every digit, including zeros at the beginning. Your school will tell you your first password; you must choose a new one the first time you sign in.',
  'help.students.see': 'What you can see',
  'help.students.seeBody':
    'Schedule, assignments, grades, report cards, attendance, immunizations, your unofficial transcript and messages from school staff.',
  'help.students.recovery': 'Keep your account safe',
  'help.students.recoveryBody':
    'Add an account security email in Account Settings so you can reset your password yourself. Never share your password, and never send it in a form or an email.',

  'error.notFound.title': 'Page not found',
  'error.notFound.body': 'The page you asked for does not exist or has moved.',
  'error.badRequest.title': 'We could not understand that request',
  'error.badRequest.body': 'Please go back and try again.',
  'error.tooMany.title': 'Too many requests',
  'error.tooMany.body': 'Please wait {seconds} seconds and try again.',
  'error.server.title': 'Something went wrong',
  'error.server.body': 'Please try again in a moment. If it keeps happening, contact {email}.',
  'error.server.bodyNoEmail': 'Please try again in a moment. If it keeps happening, contact your school.',
  'error.home': 'Go to the sign-in page',
} as const;

export type MessageKey = keyof typeof en;
