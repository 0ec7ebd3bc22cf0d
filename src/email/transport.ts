/**
 * Where email goes: an SMTP server through nodemailer when SMTP_URL is set; otherwise one .eml file
 * per message under DATA_DIR/outbox (and, in demo mode, the demo mailbox page reads the outbox table).
 */
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Transport } from './outbox.js';

/**
 * SMTP through a pool of kept connections (several messages per connection): `connections` at once,
 * as many as the outbox's lanes (MAIL_CONNECTIONS). Options in the URL (`?pool=false`) win.
 */
export function smtpTransport(url: string, connections = 1): Transport {
  const transporter = nodemailer.createTransport({ url, pool: true, maxConnections: connections, maxMessages: 100 });
  return {
    async send(message) {
      await transporter.sendMail(message);
    },
    close() {
      transporter.close();
    },
  };
}

export function fileTransport(dir: string): Transport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transporter.sendMail(message);
      fs.mkdirSync(dir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}.eml`;
      fs.writeFileSync(path.join(dir, name), info.message as Buffer);
    },
  };
}

export function transportFor(config: { smtpUrl: string | null; dataDir: string; mailConnections?: number }): Transport {
  return config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailConnections ?? 1) : fileTransport(path.join(config.dataDir, 'outbox'));
}
