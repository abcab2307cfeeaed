import { describe, expect, it } from 'vitest';
import { slugify } from '../../src/lib/slug.js';

describe('slugify', () => {
  it('joins lower-case ASCII letters and digits with single hyphens', () => {
    expect(slugify('Hello World')).toBe('hello-world');
    expect(slugify('  Wireless   Headphones  ')).toBe('wireless-headphones');
    expect(slugify('iPhone 15 Pro Max')).toBe('iphone-15-pro-max');
    expect(slugify('a--b__c..d')).toBe('a-b-c-d');
    expect(slugify('--Leading and trailing--')).toBe('leading-and-trailing');
    expect(slugify('O\'Reilly\'s "Book"')).toBe('o-reilly-s-book');
    expect(slugify('50% off!')).toBe('50-off');
    expect(slugify('2024')).toBe('2024');
    expect(slugify('low_stock')).toBe('low-stock');
  });

  it('spells out & as "and"', () => {
    expect(slugify('Shoes & Bags')).toBe('shoes-and-bags');
    expect(slugify('Shoes&Bags')).toBe('shoes-and-bags');
    expect(slugify('Shoes and Bags')).toBe(slugify('Shoes & Bags'));
  });

  it('drops accents and folds compatibility characters', () => {
    expect(slugify('Café Crème Brûlée')).toBe('cafe-creme-brulee');
    expect(slugify('Ñandú')).toBe('nandu');
    expect(slugify('Ｆｕｌｌｗｉｄｔｈ')).toBe('fullwidth');
    expect(slugify('ﬁne ﬂour')).toBe('fine-flour');
    expect(slugify('Size ½')).toBe('size-1-2');
  });

  it('falls back to "item" when nothing is left', () => {
    expect(slugify('')).toBe('item');
    expect(slugify('   ')).toBe('item');
    expect(slugify('!!!')).toBe('item');
    expect(slugify('日本語')).toBe('item');
    expect(slugify('—')).toBe('item');
  });

  it('cuts to the maximum length without leaving a trailing hyphen', () => {
    expect(slugify('a'.repeat(150))).toBe('a'.repeat(80));
    expect(slugify('x'.repeat(150)).length).toBe(80);
    expect(slugify('abc def', 4)).toBe('abc');
    expect(slugify('abc def', 5)).toBe('abc-d');
    const long = slugify(`${'word '.repeat(40)}end`);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).not.toMatch(/-$/);
    expect(long).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('always answers a URL-safe slug', () => {
    const samples = [
      'Hello, World!',
      '  ',
      'Ünïcödé ✓ 🚀 text',
      'tab\there',
      'new\nline',
      '../../etc/passwd',
      '<script>',
    ];
    for (const sample of samples) expect(slugify(sample)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
