import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account lifecycle by email (../shared/API.md, "Account lifecycle (email)"): when a user's
 * address was verified, and the tokens sent by mail, kept only as SHA-256 hashes. Accounts that
 * exist before this migration start unverified: nothing ever proved their address.
 */
export class EmailLifecycle1796200000000 implements MigrationInterface {
  name = 'EmailLifecycle1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "email_verified_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`
      CREATE TABLE "email_tokens" (
        "token_hash" bytea NOT NULL,
        "user_id" uuid NOT NULL,
        "kind" character varying(16) NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_email_tokens" PRIMARY KEY ("token_hash"),
        CONSTRAINT "FK_email_tokens_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_email_tokens_user_id_kind" ON "email_tokens" ("user_id", "kind")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "email_tokens"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "email_verified_at"`);
  }
}
