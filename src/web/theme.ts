/** District colours as CSS custom properties, with a text colour that keeps WCAG AA contrast. */
const HEX = /^#[0-9a-f]{6}$/i;

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function darken(hex: string, factor: number): string {
  const c = (i: number) =>
    Math.round(parseInt(hex.slice(i, i + 2), 16) * factor)
      .toString(16)
      .padStart(2, '0');
  return `#${c(1)}${c(3)}${c(5)}`;
}

export function themeCss(colors: { primary: string; secondary: string }): string {
  const primary = HEX.test(colors.primary) ? colors.primary : '#1a4480';
  const secondary = HEX.test(colors.secondary) ? colors.secondary : '#8b1303';
  const onPrimary = contrast(primary, '#ffffff') >= 4.5 ? '#ffffff' : '#1b1b1b';
  return `:root{--hr-primary:${primary};--hr-primary-dark:${darken(primary, 0.8)};--hr-secondary:${secondary};--hr-on-primary:${onPrimary}}\n`;
}
