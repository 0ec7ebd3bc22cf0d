/** The Payments tool's pages: a child's fees, and the receipt of a payment of them as a PDF. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { recordId } from '../../domain/forms.js';
import { familyFees, familyPayment } from '../../domain/fees/service.js';
import { mealBalancesFor } from '../../domain/meals/family.js';
import { familyCheckoutExcesses } from '../../domain/payments/online.js';
import { feeReceiptPdf } from '../../documents/fee-receipt.js';
import { sendPage } from '../render.js';
import { PaymentsPage } from '../views/tools/payments.js';
import type { ToolRoutes } from './portal.js';

export function paymentsToolRoutes(app: FastifyInstance, pdf: (reply: FastifyReply, filename: string, body: Buffer) => FastifyReply): ToolRoutes {
  const db = app.services.database.db;
  return {
    page: async ({ ctx, student }, request, reply) => {
      const { fees, office } = await familyFees(db, student);
      // The child's meal account beside the fees (its own page has the purchases and the low-balance threshold).
      const [meal] = await mealBalancesFor(db, [student]);
      // Online payment where the district connected a provider, for a guardian (a student sees what is owed, and pays nothing).
      const account = request.session!.account;
      const payOnline = app.services.payments !== null && account.person_kind === 'guardian';
      // This guardian's online payments of the child's fees that brought more than was owed, and what became of that money.
      const excesses = account.person_kind === 'guardian' && account.guardian_id ? await familyCheckoutExcesses(db, account.guardian_id, student) : [];
      return sendPage(reply, <PaymentsPage ctx={ctx} student={student} fees={fees} office={office} mealBalanceCents={meal?.balanceCents ?? 0} payOnline={payOnline} excesses={excesses} />);
    },
    inside: {
      // A receipt, in the reader's language: only a payment of this child's fees, showing only its lines for this child.
      '/:file': async ({ ctx, student }, request, reply) => {
        const file = request.params.file ?? '';
        const id = file.endsWith('.pdf') ? recordId(file.slice(0, -4)) : null;
        const payment = id === null ? null : await familyPayment(db, student, id);
        if (!payment) return reply.callNotFound();
        const body = await feeReceiptPdf(payment, { locale: ctx.locale, district: ctx.district });
        return pdf(reply, `receipt-${payment.id}.pdf`, body);
      },
    },
  };
}
