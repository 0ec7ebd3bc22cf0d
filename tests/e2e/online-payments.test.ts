/**
 * Paying fees online in Chromium (issue 24, ADR 0047): a Spanish-speaking guardian on a 360 px phone
 * chooses two fees of two children by keyboard and is sent to the checkout page (the local server
 * standing in for Stripe); the test then sends the signed webhook Stripe would send, and the guardian
 * sees the payment as paid, with a receipt PDF in Spanish for each child. axe and fit on every page.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { CHROMIUM, expectFits, expectNoHorizontalScroll, launch, listen, openPage, signIn, tabTo } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { FIXTURE_PASSWORD, guardianWithChild, link, schoolYear, staffMember, student, type Family, type StaffFixture } from '../support/factories.js';
import { formKey, signedInClient } from '../support/http.js';
import { pdfText } from '../support/pdf.js';
import { paidSession, signedEvent, startFakeStripe, type FakeStripe } from '../support/stripe.js';

const STAMP = '2027-02-01T15:00:00.000Z';

describe.skipIf(!CHROMIUM)('paying fees online in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let stripe: FakeStripe;
  let base: string;
  let family: Family;
  let anaId: number;
  let office: StaffFixture;
  let oficina: StaffFixture;
  let schoolId: number;
  const fees: Record<string, number> = {};

  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    const db = database.db;
    const world = await schoolYear(db);
    family = await guardianWithChild(db, world, { student: { first: 'Diego', last: 'Reyes', grade: 11 }, guardian: { first: 'Rosa', last: 'Reyes' }, locale: 'es' });
    const ana = await student(db, world, { first: 'Ana', last: 'Reyes', grade: 9 });
    await link(db, ana, family.guardian);
    anaId = ana.id;
    for (const [name, es, studentId, cents] of [
      ['Lab fee', 'Cuota de laboratorio', family.student.id, 1500],
      ['Band trip', 'Excursión de la banda', ana.id, 4250],
      ['Yearbook', 'Anuario', family.student.id, 3000],
    ] as const) {
      const row = await db
        .insertInto('fees')
        .values({ student_id: studentId, school_id: world.school.id, school_year: 2027, description_en: name, description_es: es, amount_cents: cents, due_date: '2027-02-20', required: 1, assessment_key: `e2e-${name}`, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('fee_ledger').values({ fee_id: row.id, kind: 'assessed', amount_cents: cents, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP }).execute();
      fees[name] = row.id;
    }
    schoolId = world.school.id;
    office = await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] });
    oficina = await staffMember(db, world, { first: 'Olivia', last: 'Oficina', roles: [{ role: 'office' }], locale: 'es' });
    stripe = await startFakeStripe();
    app = await makeApp(database, { now: () => new Date('2027-02-09T18:00:00Z'), env: stripe.env() });
    base = await listen(app);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await stripe?.close();
    await database?.drop();
  });

  it('a guardian picks two fees of two children by keyboard, pays at the checkout, and sees them paid with receipts', async () => {
    const page = await openPage(browser, 360, 'es-ES');
    const shots = process.env.SCREENSHOT_DIR;
    await signIn(page, base, family.guardianAccount!);
    await page.goto(`${base}/students/${family.student.id}/payments`);
    await expectFits(page);
    await tabTo(page, 'Pagar cuotas en línea');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/payments/online`);
    await page.getByText('Cuota de laboratorio — $15.00').first().waitFor();
    await page.getByText('Total que se debe por todos sus hijos: $87.50.').first().waitFor();
    await expectFits(page);
    await tabTo(page, `fee-${fees['Lab fee']}`);
    await page.keyboard.press('Space');
    await tabTo(page, `fee-${fees['Band trip']}`);
    await page.keyboard.press('Space');
    if (shots) await page.screenshot({ path: `${shots}/pay-online-es-360.png`, fullPage: true });
    await tabTo(page, 'Continuar al pago', { button: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`^${stripe.url}/pay/cs_test_\\d+$`));
    const session = stripe.sessions.get(page.url().split('/pay/')[1]!)!;
    expect(session.amount_total).toBe(5750);
    expect(await page.locator('#total').textContent()).toBe('5750');
    // Stripe tells Homeroom, signed; the browser's return proves nothing by itself.
    const event = signedEvent('checkout.session.completed', paidSession(session, 'pi_test_e2e'));
    const delivered = await fetch(`${base}/webhooks/stripe`, { method: 'POST', body: event.payload, headers: event.headers });
    expect(delivered.status).toBe(200);
    await page.goto(`${base}/payments/online/${session.client_reference_id}`);
    await page.getByText('Pagado: $57.50. Gracias.').first().waitFor();
    await expectFits(page);
    if (shots) await page.screenshot({ path: `${shots}/checkout-paid-es-360.png`, fullPage: true });
    const receiptLink = page.getByRole('link', { name: 'Recibo de Ana Reyes (PDF)' });
    const href = await receiptLink.getAttribute('href');
    expect(href).toMatch(new RegExp(`^/students/${anaId}/payments/\\d+\\.pdf$`));
    const pdf = await page.request.get(`${base}${href}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    const text = pdfText(Buffer.from(await pdf.body())).replace(/\s+/g, ' ');
    expect(text).toContain('En línea');
    expect(text).toContain('Excursión de la banda — $42.50');
    expect(text).not.toContain('Cuota de laboratorio');
    await page.goto(`${base}/students/${family.student.id}/payments`);
    expect(await page.locator('main').textContent()).toContain('Anuario');
    await expectFits(page);
    if (shots) await page.screenshot({ path: `${shots}/payments-es-360.png`, fullPage: true });
  }, 120_000);

  it("the office finds a refused excess of a checkout with no payment, by keyboard at 360 px, in English and Spanish, and without JavaScript (ADR 0063)", async () => {
    // The locker ($10.00) paid online while the office took it in cash; the $10.00 given back in Stripe's
    // dashboard before Homeroom asked: Stripe refuses Homeroom's refund of it. (Assessed here: the first case counts what is owed.)
    const db = database.db;
    const locker = await db
      .insertInto('fees')
      .values({ student_id: family.student.id, school_id: schoolId, school_year: 2027, description_en: 'Locker', description_es: 'Casillero', amount_cents: 1000, due_date: '2027-02-20', required: 1, assessment_key: 'e2e-Locker', created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('fee_ledger').values({ fee_id: locker.id, kind: 'assessed', amount_cents: 1000, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP }).execute();
    fees.Locker = locker.id;
    const guardian = await signedInClient(app, family.guardianAccount!.username, FIXTURE_PASSWORD);
    const started = await guardian.post('/payments/online', { key: formKey((await guardian.get('/payments/online')).body), fee: String(fees.Locker) });
    expect(started.statusCode).toBe(303);
    const session = stripe.sessions.get(String(started.headers.location).split('/pay/')[1]!)!;
    const staff = await signedInClient(app, office.account!.username, FIXTURE_PASSWORD);
    const feePage = await staff.get(`/staff/fees/students/${family.student.id}`);
    const key = new RegExp(`action="/staff/fees/students/${family.student.id}/payments"[\\s\\S]*?name="key" value="([^"]+)"`).exec(feePage.body)?.[1] ?? '';
    expect((await staff.post(`/staff/fees/students/${family.student.id}/payments`, { key, method: 'cash', payer: 'Rosa Reyes', [`pay.${fees.Locker}`]: '10.00' })).statusCode).toBe(303);
    stripe.charge('pi_test_e2e_locker', 1000);
    stripe.dashboardRefund('pi_test_e2e_locker', 1000);
    const event = signedEvent('checkout.session.completed', paidSession(session, 'pi_test_e2e_locker'));
    expect((await fetch(`${base}/webhooks/stripe`, { method: 'POST', body: event.payload, headers: event.headers })).status).toBe(200);

    const shots = process.env.SCREENSHOT_DIR;
    for (const [who, locale, heading, item, refused] of [
      [office, 'en-US', 'Money Stripe refused to give back', /^Diego Reyes: \$10\.00, refused on /, 'Stripe refused to give back $10.00 on'],
      [oficina, 'es-US', 'Dinero que Stripe se negó a devolver', /^Diego Reyes: \$10\.00, rechazado el /, 'Stripe se negó a devolver $10.00 el'],
    ] as const) {
      const page = await openPage(browser, 360, locale);
      await signIn(page, base, who.account!);
      await page.goto(`${base}/staff/fees`);
      await page.getByRole('heading', { level: 2, name: heading }).waitFor();
      await expectFits(page);
      await tabTo(page, item);
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/staff/fees/students/${family.student.id}$`));
      await page.getByText(refused).first().waitFor();
      expect(await page.locator('main').textContent()).toContain('pi_test_e2e_locker');
      await expectFits(page);
      if (shots) await page.screenshot({ path: `${shots}/refused-excess-${locale}-360.png`, fullPage: true });
      await page.context().close();
    }

    // Without JavaScript: the same page, the same words.
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
    const bare = await context.newPage();
    await signIn(bare, base, office.account!);
    await bare.goto(`${base}/staff/fees/students/${family.student.id}`);
    await bare.getByText('Homeroom does not ask Stripe again.', { exact: false }).first().waitFor();
    await expectNoHorizontalScroll(bare);
    await context.close();
  }, 120_000);
  it("the guardian of that checkout reads what became of its money: the school office gives it back — by keyboard at 360 px, in Spanish and English, with axe (issue 24 follow-up)", async () => {
    // The previous case's checkout: the locker, all of it settled in cash, Stripe refusing Homeroom's refund.
    const shots = process.env.SCREENSHOT_DIR;
    for (const [lang, item, see, paidNothing, office] of [
      ['es', /^Pago en línea del .*: \$10\.00$/, 'Ver este pago', 'Recibimos su pago de $10.00, pero todas sus cuotas ya se habían pagado en la oficina de la escuela.', '$10.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. No se pudo devolver automáticamente, así que la oficina de la escuela se lo devolverá.'],
      ['en', /^Online payment of .*: \$10\.00$/, 'See this payment', 'We received your payment of $10.00, but every fee in it had already been paid at the school office.', '$10.00 of this payment was for fees already paid at the school office. It could not be given back automatically, so the school office will give it back to you.'],
    ] as const) {
      const page = await openPage(browser, 360, lang === 'es' ? 'es-US' : 'en-US');
      await page.context().addCookies([{ name: 'hr_lang', value: lang, url: base }]);
      await signIn(page, base, family.guardianAccount!);
      await page.goto(`${base}/students/${family.student.id}/payments`);
      await page.getByRole('heading', { level: 3, name: item }).waitFor();
      expect(await page.locator('main').textContent()).toContain(office);
      await expectFits(page);
      if (shots) await page.screenshot({ path: `${shots}/payments-excess-${lang}-360.png`, fullPage: true });
      await tabTo(page, see);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/payments\/online\/\d+$/);
      await page.getByText(paidNothing).first().waitFor();
      const main = (await page.locator('main').textContent()) ?? '';
      expect(main).toContain(office);
      for (const word of ['Stripe', 'charge_already_refunded']) expect(main).not.toContain(word);
      await expectFits(page);
      if (shots) await page.screenshot({ path: `${shots}/checkout-excess-${lang}-360.png`, fullPage: true });
      await page.context().close();
    }
  }, 120_000);

  it('a refund Homeroom made that Stripe reports failed days later, and one it reports pending: the office finds the failed one by keyboard at 360 px (en, es, and without JavaScript); the guardian reads both (ADR 0067, addendum)', async () => {
    const db = database.db;
    const add = async (name: string, es: string, cents: number) => {
      const row = await db
        .insertInto('fees')
        .values({ student_id: family.student.id, school_id: schoolId, school_year: 2027, description_en: name, description_es: es, amount_cents: cents, due_date: '2027-02-20', required: 1, assessment_key: `e2e-${name}`, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('fee_ledger').values({ fee_id: row.id, kind: 'assessed', amount_cents: cents, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP }).execute();
      fees[name] = row.id;
    };
    /** Rosa pays this fee online while the office takes it in cash: all of it is the excess, which Homeroom gives back at once. Answers Homeroom's refund. */
    const allExcess = async (name: string, dollars: string, paymentIntent: string) => {
      const guardian = await signedInClient(app, family.guardianAccount!.username, FIXTURE_PASSWORD);
      const started = await guardian.post('/payments/online', { key: formKey((await guardian.get('/payments/online')).body), fee: String(fees[name]) });
      expect(started.statusCode).toBe(303);
      const session = stripe.sessions.get(String(started.headers.location).split('/pay/')[1]!)!;
      const staff = await signedInClient(app, office.account!.username, FIXTURE_PASSWORD);
      const feePage = await staff.get(`/staff/fees/students/${family.student.id}`);
      const key = new RegExp(`action="/staff/fees/students/${family.student.id}/payments"[\\s\\S]*?name="key" value="([^"]+)"`).exec(feePage.body)?.[1] ?? '';
      expect((await staff.post(`/staff/fees/students/${family.student.id}/payments`, { key, method: 'cash', payer: 'Rosa Reyes', [`pay.${fees[name]}`]: dollars })).statusCode).toBe(303);
      stripe.charge(paymentIntent, session.amount_total);
      const event = signedEvent('checkout.session.completed', paidSession(session, paymentIntent));
      expect((await fetch(`${base}/webhooks/stripe`, { method: 'POST', body: event.payload, headers: event.headers })).status).toBe(200);
      return [...stripe.refunds.values()].find((r) => r.payment_intent === paymentIntent)!;
    };
    await add('Gym fee', 'Cuota de gimnasio', 2000);
    await add('Club fee', 'Cuota del club', 1200);
    // The gym fee's $20.00: given back to a card that turns out to be closed.
    const gym = await allExcess('Gym fee', '20.00', 'pi_test_e2e_gym');
    const failed = signedEvent('refund.failed', stripe.refundLater(String(gym.id), 'failed', 'expired_or_canceled_card'));
    expect((await fetch(`${base}/webhooks/stripe`, { method: 'POST', body: failed.payload, headers: failed.headers })).status).toBe(200);
    // The club fee's $12.00: a refund Stripe reports pending.
    stripe.refundStatus = 'pending';
    try {
      await allExcess('Club fee', '12.00', 'pi_test_e2e_club');
    } finally {
      stripe.refundStatus = 'succeeded';
    }

    const shots = process.env.SCREENSHOT_DIR;
    for (const [who, locale, heading, item, what] of [
      [office, 'en-US', 'Money Stripe did not give back', /^Diego Reyes: \$20\.00, the refund failed on /, 'The refund of $20.00 Homeroom made to the card or account the family paid with failed on'],
      [oficina, 'es-US', 'Dinero que Stripe no devolvió', /^Diego Reyes: \$20\.00, el reembolso falló el /, 'El reembolso de $20.00 que Homeroom hizo a la tarjeta o cuenta con la que pagó la familia falló el'],
    ] as const) {
      const page = await openPage(browser, 360, locale);
      await signIn(page, base, who.account!);
      await page.goto(`${base}/staff/fees`);
      await page.getByRole('heading', { level: 2, name: heading }).waitFor();
      await expectFits(page);
      await tabTo(page, item);
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/staff/fees/students/${family.student.id}$`));
      await page.getByText(what).first().waitFor();
      const main = (await page.locator('main').textContent()) ?? '';
      expect(main).toContain('pi_test_e2e_gym');
      expect(main).toContain('expired_or_canceled_card');
      await expectFits(page);
      if (shots) await page.screenshot({ path: `${shots}/failed-excess-${locale}-360.png`, fullPage: true });
      await page.context().close();
    }
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
    const bare = await context.newPage();
    await signIn(bare, base, office.account!);
    await bare.goto(`${base}/staff/fees/students/${family.student.id}`);
    await bare.getByText('the money is back in the district’s Stripe balance', { exact: false }).first().waitFor();
    await expectNoHorizontalScroll(bare);
    await context.close();

    // The guardian: the club's $12.00 is being given back (the newest, first), the gym's $20.00 is the school office's.
    for (const [lang, item, see, giving, officeGives] of [
      ['en', /^Online payment of .*: \$12\.00$/, 'See this payment', '$12.00 of this payment was for fees already paid at the school office. It is being given back to the card or account you paid with; this page will say when it has been.', '$20.00 of this payment was for fees already paid at the school office. It could not be given back automatically, so the school office will give it back to you.'],
      ['es', /^Pago en línea del .*: \$12\.00$/, 'Ver este pago', '$12.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. Se le está devolviendo a la tarjeta o cuenta con la que pagó; esta página dirá cuándo se haya devuelto.', '$20.00 de este pago era para cuotas ya pagadas en la oficina de la escuela. No se pudo devolver automáticamente, así que la oficina de la escuela se lo devolverá.'],
    ] as const) {
      const page = await openPage(browser, 360, lang === 'es' ? 'es-US' : 'en-US');
      await page.context().addCookies([{ name: 'hr_lang', value: lang, url: base }]);
      await signIn(page, base, family.guardianAccount!);
      await page.goto(`${base}/students/${family.student.id}/payments`);
      await page.getByRole('heading', { level: 3, name: item }).waitFor();
      const list = (await page.locator('main').textContent()) ?? '';
      expect(list).toContain(giving);
      expect(list).toContain(officeGives);
      await expectFits(page);
      if (shots) await page.screenshot({ path: `${shots}/payments-refund-states-${lang}-360.png`, fullPage: true });
      await tabTo(page, see);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/payments\/online\/\d+$/);
      await page.getByText(giving).first().waitFor();
      const main = (await page.locator('main').textContent()) ?? '';
      for (const word of ['Stripe', 'pending', 'expired_or_canceled_card']) expect(main).not.toContain(word);
      await expectFits(page);
      await page.context().close();
    }
  }, 180_000);
});
