import { describe, expect, it } from 'vitest';
import {
  autoTitle,
  comboKey,
  normalizeOptions,
  optionsProblem,
  skuBase,
  skuCandidates,
} from '../../src/modules/catalog/variant-rules.js';

/** The pure rules of options and variants, without a database. */
const options = [
  { name: 'Size', values: ['S', 'M'] },
  { name: 'Colour', values: ['Red', 'Navy Blue'] },
];

describe('option lists', () => {
  it('are trimmed; blank and repeated (ignoring case) names and values are named by index', () => {
    const errors = {};
    expect(normalizeOptions([{ name: ' Size ', values: [' S', 'M '] }], errors)).toEqual([{ name: 'Size', values: ['S', 'M'] }]);
    expect(errors).toEqual({});
    const bad: Record<string, string[]> = {};
    normalizeOptions(
      [
        { name: 'Size', values: ['S', 's'] },
        { name: 'SIZE', values: [' '] },
      ],
      bad,
    );
    expect(Object.keys(bad).sort()).toEqual(['options.0.values', 'options.1.name', 'options.1.values']);
  });
});

describe("a variant's options", () => {
  it('name exactly the product’s options, with one of their values', () => {
    expect(optionsProblem(options, { Size: 'M', Colour: 'Red' })).toBeNull();
    expect(optionsProblem(options, { Size: 'M' })).toMatch(/"Colour" is required/);
    expect(optionsProblem(options, { Size: 'XL', Colour: 'Red' })).toMatch(/"XL" is not a value of option "Size"/);
    expect(optionsProblem(options, { Size: 'M', Colour: 'Red', Fit: 'Slim' })).toMatch(/Unknown option "Fit"/);
    expect(optionsProblem([], {})).toBeNull();
    expect(optionsProblem([], { Size: 'M' })).toMatch(/no options/);
  });

  it('compare by value whatever the key order, and make the title and SKU', () => {
    expect(comboKey(options, { Colour: 'Red', Size: 'M' })).toBe(comboKey(options, { Size: 'M', Colour: 'Red' }));
    expect(autoTitle(options, { Colour: 'Navy Blue', Size: 'M' })).toBe('M / Navy Blue');
    expect(autoTitle([], {})).toBe('Default');
    expect(skuBase('blue-shirt', options, { Size: 'M', Colour: 'Navy Blue' })).toBe('blue-shirt-m-navy-blue');
    expect(skuBase('shirt', options, { Size: 'M', Colour: 'Rôt!' })).toBe('shirt-m-rot');
  });

  it('SKU candidates stay within 64 characters, suffix included', () => {
    const long = 'x'.repeat(70);
    const candidates = skuCandidates(long);
    expect(candidates[0]).toHaveLength(64);
    expect(candidates[1]).toBe(`${'x'.repeat(62)}-2`);
    for (const c of candidates) expect(c.length).toBeLessThanOrEqual(64);
    expect(new Set(candidates).size).toBe(candidates.length);
  });
});
