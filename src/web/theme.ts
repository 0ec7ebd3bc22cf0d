/** District colours as CSS custom properties, with a text colour that keeps WCAG AA contrast. */
import { contrastRatio as contrast } from '../domain/district/contrast.js';

const HEX = /^#[0-9a-f]{6}$/i;

export { contrastRatio as contrast } from '../domain/district/contrast.js';

function darken(hex: string, factor: number): string {
  const c = (i: number) =>
    Math.round(parseInt(hex.slice(i, i + 2), 16) * factor)
      .toString(16)
      .padStart(2, '0');
  return `#${c(1)}${c(3)}${c(5)}`;
}

/** The theme's variables for `selector`: ':root' for the whole site, '.hr-preview' for the settings' preview of new colours. */
export function themeCss(colors: { primary: string; secondary: string }, selector = ':root'): string {
  const primary = HEX.test(colors.primary) ? colors.primary : '#1a4480';
  const secondary = HEX.test(colors.secondary) ? colors.secondary : '#8b1303';
  const onPrimary = contrast(primary, '#ffffff') >= 4.5 ? '#ffffff' : '#1b1b1b';
  return `${selector}{--hr-primary:${primary};--hr-primary-dark:${darken(primary, 0.8)};--hr-secondary:${secondary};--hr-on-primary:${onPrimary}}\n`;
}
