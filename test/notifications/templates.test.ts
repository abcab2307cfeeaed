/** Every e-mail template renders both parts, branded, with its values escaped in HTML and nothing left unfilled. */
import { describe, expect, it } from 'vitest';
import { render } from '../../src/modules/notifications/render.js';
import { type EmailTemplate, renderEmail } from '../../src/modules/notifications/templates.js';

const brand = { shopName: 'Chai & Co', shopUrl: 'https://chai.example' };
const order = {
  name: 'Asha <script>',
  username: 'asha',
  order: { id: 7, number: 'ORD-0000000000AB', total: '1998.00', status: 'paid', shipping_address: '1 MG Road' },
  order_url: 'https://chai.example/orders/7',
  items: [
    { name: 'Mug', variant: '', quantity: 2, line_total: '998.00' },
    { name: 'Tee', variant: 'M / Red', quantity: 1, line_total: '1000.00' },
  ],
};
const cases: [EmailTemplate, Record<string, unknown>, string][] = [
  ['order_confirmation', order, 'Your order ORD-0000000000AB at Chai & Co'],
  ['payment_received', order, 'Payment received for order ORD-0000000000AB'],
  ['order_shipped', { ...order, tracking_number: 'TRK1', carrier: 'Blue Dart', tracking_url: 'https://track.example/TRK1' }, 'Your order ORD-0000000000AB has shipped'],
  ['order_cancelled', { ...order, reason: 'out of stock' }, 'Your order ORD-0000000000AB has been cancelled'],
  ['order_refunded', { ...order, refund_amount: '500.00' }, 'Refund for your order ORD-0000000000AB'],
  ['welcome', { name: 'Asha', username: 'asha' }, 'Welcome to Chai & Co'],
  ['password_changed', { name: 'Asha', username: 'asha', changed_at: 'today', reset_request_url: 'https://chai.example/reset-password' }, 'Your Chai & Co password was changed'],
  ['password_reset', { name: 'Asha', username: 'asha', reset_url: 'https://chai.example/reset-password?token=abc', valid_minutes: 60 }, 'Reset your Chai & Co password'],
  ['webhook_disabled', { name: 'Asha', url: 'https://erp.example/hooks', reason: 'the receiver answered 410 Gone' }, 'A Chai & Co webhook endpoint was switched off'],
];

describe('e-mail templates', () => {
  it.each(cases)('%s renders subject, HTML and text', (template, context, subject) => {
    const mail = renderEmail(template, context as never, brand);
    expect(mail.subject).toBe(subject);
    for (const part of [mail.html, mail.text]) {
      expect(part).not.toMatch(/\{\{|\}\}/);
      expect(part).toContain('https://chai.example');
    }
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html).toContain('Chai &amp; Co');
    expect(mail.text).toContain('Chai & Co');
    expect(mail.html).not.toContain('<script>');
  });

  it('shows the order lines, tracking and amounts', () => {
    const shipped = renderEmail('order_shipped', { ...order, tracking_number: 'TRK1', carrier: 'Blue Dart', tracking_url: 'https://track.example/TRK1' }, brand);
    expect(shipped.text).toContain('- Mug x 2: Rs. 998.00');
    expect(shipped.text).toContain('- Tee (M / Red) x 1: Rs. 1000.00');
    expect(shipped.text).toContain('Tracking number: TRK1');
    expect(shipped.html).toContain('href="https://track.example/TRK1"');
    const untracked = renderEmail('order_shipped', order, brand);
    expect(untracked.text).not.toContain('Tracking');
  });

  it('escapes in HTML, leaves text as is, and handles sections', () => {
    expect(render('{{a}}|{{{a}}}', { a: '<b>&' }, true)).toBe('&lt;b&gt;&amp;|<b>&');
    expect(render('{{a}}', { a: '<b>&' }, false)).toBe('<b>&');
    expect(render('{{#xs}}[{{n}}]{{/xs}}{{^xs}}none{{/xs}}', { xs: [{ n: 1 }, { n: 2 }] }, false)).toBe('[1][2]');
    expect(render('{{#xs}}[{{n}}]{{/xs}}{{^xs}}none{{/xs}}', { xs: [] }, false)).toBe('none');
    expect(render('{{o.p}} {{missing}}.', { o: { p: 0 } }, false)).toBe('0 .');
  });
});
