import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TOTP (../shared/API.md, "Multi-factor authentication"): the enrolment with its sealed secret
 * and last used time step, the recovery codes (hashes), the pending second steps of logins, and
 * on each session how it was authenticated (`amr`), which its refreshed tokens keep.
 */
export class Mfa1796100000000 implements MigrationInterface {
  name = 'Mfa1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "user_mfa" (
        "user_id" uuid NOT NULL,
        "totp_secret_sealed" bytea NOT NULL,
        "confirmed_at" TIMESTAMP WITH TIME ZONE,
        "last_used_step" bigint,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_user_mfa" PRIMARY KEY ("user_id"),
        CONSTRAINT "FK_user_mfa_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE "mfa_recovery_codes" (
        "code_hash" bytea NOT NULL,
        "user_id" uuid NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_mfa_recovery_codes" PRIMARY KEY ("code_hash"),
        CONSTRAINT "FK_mfa_recovery_codes_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_mfa_recovery_codes_user_id" ON "mfa_recovery_codes" ("user_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "mfa_challenges" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_hash" bytea NOT NULL,
        "user_id" uuid NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_mfa_challenges" PRIMARY KEY ("id"),
        CONSTRAINT "FK_mfa_challenges_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_mfa_challenges_token_hash" ON "mfa_challenges" ("token_hash")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_mfa_challenges_user_id" ON "mfa_challenges" ("user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_mfa_challenges_expires_at" ON "mfa_challenges" ("expires_at")`,
    );
    await queryRunner.query(`ALTER TABLE "sessions" ADD "amr" text array NOT NULL DEFAULT '{pwd}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "amr"`);
    await queryRunner.query(`DROP TABLE "mfa_challenges"`);
    await queryRunner.query(`DROP TABLE "mfa_recovery_codes"`);
    await queryRunner.query(`DROP TABLE "user_mfa"`);
  }
}
