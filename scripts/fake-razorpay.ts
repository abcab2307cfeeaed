/**
 * A local fake Razorpay to try payments without an account: `npm run fake-razorpay`.
 * It is the test suite's fake (test/helpers/fake-razorpay.ts) on a fixed port with fixed
 * keys, so that a server started with the printed settings talks to it. Besides Razorpay's
 * Orders/Payments API it answers `POST /v1/orders/<razorpay order id>/pay`, standing in for
 * the shopper paying in Razorpay Checkout (see docs/walkthrough.md).
 *
 *   FAKE_RAZORPAY_PORT             port on 127.0.0.1 (default 4010)
 *   FAKE_RAZORPAY_KEY_ID, FAKE_RAZORPAY_KEY_SECRET, FAKE_RAZORPAY_WEBHOOK_SECRET
 *                                  the keys it accepts and signs with (defaults below)
 *
 * Not the server's RAZORPAY_* names on purpose: real keys exported in a shell must not
 * leak into the fake.
 */
import { FakeRazorpay } from '../test/helpers/fake-razorpay.js';

const DEFAULTS = {
  keyId: 'rzp_test_walkthrough',
  keySecret: 'walkthrough_key_secret',
  webhookSecret: 'walkthrough_webhook_secret',
};

const setting = (name: string) => process.env[name]?.trim() || undefined;

async function main() {
  const rawPort = setting('FAKE_RAZORPAY_PORT') ?? '4010';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    console.error(`FAKE_RAZORPAY_PORT must be a port number, got "${rawPort}"`);
    return 1;
  }
  const fake = new FakeRazorpay({
    keyId: setting('FAKE_RAZORPAY_KEY_ID') ?? DEFAULTS.keyId,
    keySecret: setting('FAKE_RAZORPAY_KEY_SECRET') ?? DEFAULTS.keySecret,
    webhookSecret: setting('FAKE_RAZORPAY_WEBHOOK_SECRET') ?? DEFAULTS.webhookSecret,
  });
  try {
    await fake.start(port);
  } catch (err) {
    console.error(`Cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
    return 1;
  }
  console.log(`Fake Razorpay listening on ${fake.url}`);
  console.log('Start the server against it with:');
  console.log(
    `  RAZORPAY_KEY_ID=${fake.keyId} RAZORPAY_KEY_SECRET=${fake.keySecret} ` +
      `RAZORPAY_WEBHOOK_SECRET=${fake.webhookSecret} RAZORPAY_API_BASE=${fake.url} npm start`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fake.stop();
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
