/**
 * A private Postgres (startPostgres: trust for everyone) with one user whose password it
 * checks (scram-sha-256, ahead of the trust rules): `guards_checked` / `correct horse`.
 * For the store credential tests' right and wrong passwords.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

import { startPostgres, type PrivatePostgres } from './services';

export const CHECKED_USER = 'guards_checked';
export const CHECKED_PASSWORD = 'correct horse';

export async function startPasswordCheckedPostgres(): Promise<PrivatePostgres> {
	const server = await startPostgres();
	const hba = path.join(server.dir, 'data', 'pg_hba.conf');
	writeFileSync(
		hba,
		`host all ${CHECKED_USER} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`,
	);
	const admin = new Client({
		host: '127.0.0.1',
		port: server.port,
		user: 'postgres',
		database: 'postgres',
	});
	await admin.connect();
	try {
		await admin.query(`SET password_encryption = 'scram-sha-256'`);
		await admin.query(`CREATE ROLE ${CHECKED_USER} LOGIN SUPERUSER PASSWORD '${CHECKED_PASSWORD}'`);
		await admin.query('SELECT pg_reload_conf()');
	} finally {
		await admin.end();
	}
	return server;
}
