/** The mail settings: validated at start-up, with working defaults. */
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { DATA_DIR: '/nonexistent-test-data-dir', JWT_SECRET: 'x'.repeat(40) };

describe('mail settings', () => {
  it('default to files, a generic name and the public URL', () => {
    expect(loadConfig(base).mail).toEqual({
      smtpUrl: null,
      from: 'Shop <shop@localhost>',
      shopName: 'Shop',
      shopUrl: 'http://localhost:3000',
    });
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://api.shop.example/' }).mail.shopUrl).toBe('https://api.shop.example');
    expect(
      loadConfig({ ...base, SHOP_URL: 'https://shop.example/', SHOP_NAME: 'Chai', SMTP_URL: 'smtps://u:p@mail.example:465' }).mail,
    ).toEqual({ smtpUrl: 'smtps://u:p@mail.example:465', from: 'Chai <shop@localhost>', shopName: 'Chai', shopUrl: 'https://shop.example' });
  });

  it.each([
    ['SMTP_URL', 'http://mail.example', /SMTP_URL must start with smtp:\/\/ or smtps:\/\//],
    ['SMTP_URL', 'not a url', /SMTP_URL is not a valid URL/],
    ['MAIL_FROM', 'Shop <shop@example.com>\nBcc: x@evil.example', /MAIL_FROM must look like/],
    ['MAIL_FROM', 'no address here', /MAIL_FROM must look like/],
    ['SHOP_URL', 'ftp://shop.example', /SHOP_URL must start with/],
    ['SHOP_NAME', 'x'.repeat(101), /SHOP_NAME/],
  ])('refuses %s=%j', (name, value, message) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(message);
  });

  it('accepts a bare address as MAIL_FROM', () => {
    expect(loadConfig({ ...base, MAIL_FROM: 'hello@shop.example' }).mail.from).toBe('hello@shop.example');
  });

  it('quotes a shop name with specials in the default sender, so a mail reader sees one sender with that name', async () => {
    const transport = createTransport({ streamTransport: true, buffer: true });
    for (const name of ['Chai, Tea & Co', 'Shop <Best>', 'Say "hi" \\ bye', 'Plain Name']) {
      const { from } = loadConfig({ ...base, SHOP_NAME: name }).mail;
      const sent = await transport.sendMail({ from, to: 'someone@example.com', subject: 'x', text: 'x' });
      const parsed = await simpleParser(sent.message as Buffer);
      expect(parsed.from?.value, from).toEqual([{ name, address: 'shop@localhost' }]);
    }
  });
});
