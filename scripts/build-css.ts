/**
 * Compiles src/web/styles/homeroom.scss (the USWDS components Homeroom uses) to
 * dist/public/homeroom.css. Runs before start and test; a no-op when the CSS is newer than its sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as sass from 'sass';

const root = path.resolve(import.meta.dirname, '..');
const source = path.join(root, 'src/web/styles/homeroom.scss');
const out = path.join(root, 'dist/public/homeroom.css');
const styles = path.dirname(source);

const newest = Math.max(...fs.readdirSync(styles).map((f) => fs.statSync(path.join(styles, f)).mtimeMs));
if (fs.existsSync(out) && fs.statSync(out).mtimeMs > newest && !process.argv.includes('--force')) {
  process.exit(0);
}
const result = sass.compile(source, {
  loadPaths: [path.join(root, 'node_modules/@uswds/uswds/packages')],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import', 'global-builtin', 'slash-div', 'color-functions'] as never,
});
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, result.css);
console.log(`homeroom.css: ${(result.css.length / 1024).toFixed(1)} KiB`);
