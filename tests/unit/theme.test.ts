import { describe, expect, it } from 'vitest';
import { contrast, themeCss } from '../../src/web/theme.js';

describe('district theme', () => {
  it('puts white text on a dark primary colour and dark text on a light one', () => {
    expect(themeCss({ primary: '#1a4480', secondary: '#8b1303' })).toContain('--hr-on-primary:#ffffff');
    expect(themeCss({ primary: '#ffd700', secondary: '#8b1303' })).toContain('--hr-on-primary:#1b1b1b');
  });

  it('falls back to the default colours for anything that is not #rrggbb', () => {
    const css = themeCss({ primary: 'red;}body{display:none', secondary: 'url(x)' });
    expect(css).toContain('--hr-primary:#1a4480');
    expect(css).toContain('--hr-secondary:#8b1303');
    expect(css).not.toContain('display:none');
  });

  it('measures contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });
});
