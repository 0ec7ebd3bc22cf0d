/** Mensajes en español. Las claves y los `{marcadores}` son los mismos que en en.ts. */
import type { MessageKey } from './en.js';

export const es: Record<MessageKey, string> = {
  'app.name': 'Homeroom',
  'layout.skip': 'Saltar al contenido principal',
  'layout.language': 'Idioma',
  'layout.footer.help': 'Ayuda con el portal:',
  'layout.footer.poweredBy': 'Funciona con Homeroom, software libre para escuelas y familias.',
  'layout.footer.accessibility': 'Accesibilidad',
  'layout.footer.privacy': 'Privacidad',
  'layout.home': 'Inicio de {portal}',

  'signIn.title': 'Iniciar sesión',
  'signIn.heading': '{portal}',
  'signIn.username': 'Nombre de usuario',
  'signIn.password': 'Contraseña',
  'signIn.submit': 'Iniciar sesión',
  'signIn.forgotPassword': '¿Olvidó su contraseña?',
  'signIn.forgotUsername': '¿Olvidó su nombre de usuario?',
  'signIn.problems': '¿Problemas para iniciar sesión?',
  'signIn.helpLinks': 'Ayuda para iniciar sesión',
  'signIn.activation.have': 'Si se le asignó una clave de activación de {portal},',
  'signIn.activation.haveNot': 'Si no tiene una clave de activación,',
  'signIn.activation.clickHere': 'haga clic aquí',
  'signIn.activation.haveLink': 'Usar una clave de activación',
  'signIn.activation.haveNotLink': 'Solicitar una cuenta',
  'signIn.notYet':
    'Todavía no se puede iniciar sesión en esta versión de Homeroom. Las cuentas de demostración de abajo funcionarán cuando se pueda.',
  'signIn.announcements': 'Anuncios del distrito',
  'signIn.noAnnouncements': 'No hay anuncios en este momento.',
  'signIn.resources': 'Recursos del portal',
  'signIn.resourcesIntro':
    'Para encontrar más recursos, como videos instructivos, preguntas frecuentes e información sobre la aplicación móvil, use los enlaces de abajo:',
  'signIn.studentHint':
    'Estudiantes: su nombre de usuario es su número de identificación de estudiante, incluidos los ceros al principio.',

  'demo.heading': 'Distrito de demostración',
  'demo.intro':
    'Este es un distrito de demostración: todas las personas son inventadas. Pruebe estas cuentas. Los correos electrónicos no se envían a ningún lado.',
  'demo.role': 'Función',
  'demo.name': 'Nombre',
  'demo.username': 'Nombre de usuario',
  'demo.password': 'Contraseña',
  'demo.sees': 'Ve',
  'demo.role.student': 'Estudiante',
  'demo.role.parent': 'Padre o madre',
  'demo.role.teacher': 'Maestro',
  'demo.role.office': 'Personal de oficina',
  'demo.role.counselor': 'Consejero',
  'demo.role.nurse': 'Enfermero',
  'demo.role.district_admin': 'Administrador del distrito',
  'demo.studentNote':
    'La contraseña del estudiante sigue la regla del distrito: iniciales y fecha de nacimiento (mmddaa). Debe cambiarse al iniciar sesión por primera vez.',
  'demo.spanish': 'prefiere español',

  'soon.title': 'Próximamente',
  'soon.body': '{feature}: todavía no está disponible en esta versión de {portal}. Está en camino.',
  'soon.back': 'Volver a la página de inicio de sesión',
  'soon.help': 'Si necesita ayuda ahora, escriba a {email}.',
  'feature.forgotPassword': 'Restablecer una contraseña olvidada',
  'feature.forgotUsername': 'Recuperar un nombre de usuario olvidado',
  'feature.problems': 'La página de ayuda para iniciar sesión',
  'feature.activation': 'Registrarse con una clave de activación',
  'feature.requestAccount': 'El formulario de solicitud de cuenta',
  'feature.signIn': 'Iniciar sesión',
  'feature.accessibility': 'La declaración de accesibilidad',
  'feature.privacy': 'El aviso de privacidad',

  'help.parents.title': 'Recursos para padres',
  'help.parents.intro': '{portal} permite a los padres y tutores seguir el día escolar de sus hijos.',
  'help.parents.account': 'Su cuenta',
  'help.parents.accountBody':
    'Cada noche se crean cuentas nuevas del portal para los padres que tienen un correo electrónico único registrado en la escuela. Usted recibe un correo con su nombre de usuario y un enlace para elegir su contraseña. La escuela nunca envía contraseñas por correo electrónico.',
  'help.parents.children': 'Una cuenta para todos sus hijos',
  'help.parents.childrenBody':
    'Si tiene más de un hijo en el distrito, los ve a todos con la misma cuenta y cambia de uno a otro en la parte superior de cada página.',
  'help.parents.recovery': 'Si olvida su nombre de usuario o contraseña',
  'help.parents.recoveryBody':
    'Ingrese un correo electrónico de seguridad en la Configuración de la cuenta. Con él puede restablecer su contraseña o recibir su nombre de usuario por correo, en cualquier momento, sin llamar a la escuela.',
  'help.parents.phone': 'En su teléfono',
  'help.parents.phoneBody':
    'El portal funciona en el navegador de su teléfono. Puede agregarlo a la pantalla de inicio y activar notificaciones sobre cambios en la asistencia, las calificaciones y las tareas.',
  'help.students.title': 'Recursos para estudiantes',
  'help.students.intro':
    '{portal} es donde los estudiantes de 6.º a 12.º grado ven su horario, tareas, calificaciones y más.',
  'help.students.signIn': 'Iniciar sesión por primera vez',
  'help.students.signInBody':
    'Su nombre de usuario es su número de identificación de estudiante. Escriba todos los dígitos, incluidos los ceros al principio. Su escuela le dirá su primera contraseña; debe elegir una nueva la primera vez que inicie sesión.',
  'help.students.see': 'Lo que puede ver',
  'help.students.seeBody':
    'Horario, tareas, calificaciones, boletas de calificaciones, asistencia, vacunas, su expediente académico no oficial y mensajes del personal escolar.',
  'help.students.recovery': 'Mantenga su cuenta segura',
  'help.students.recoveryBody':
    'Agregue un correo electrónico de seguridad en la Configuración de la cuenta para poder restablecer su contraseña usted mismo. Nunca comparta su contraseña ni la envíe en un formulario o un correo electrónico.',

  'error.notFound.title': 'Página no encontrada',
  'error.notFound.body': 'La página que busca no existe o se ha movido.',
  'error.badRequest.title': 'No pudimos entender esa solicitud',
  'error.badRequest.body': 'Regrese e inténtelo de nuevo.',
  'error.tooMany.title': 'Demasiadas solicitudes',
  'error.tooMany.body': 'Espere {seconds} segundos e inténtelo de nuevo.',
  'error.server.title': 'Algo salió mal',
  'error.server.body': 'Inténtelo de nuevo en un momento. Si sigue ocurriendo, escriba a {email}.',
  'error.server.bodyNoEmail': 'Inténtelo de nuevo en un momento. Si sigue ocurriendo, comuníquese con su escuela.',
  'error.home': 'Ir a la página de inicio de sesión',
};
