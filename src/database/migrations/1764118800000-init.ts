import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1764118800000 implements MigrationInterface {
  name = 'Init1764118800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "email" character varying(320) NOT NULL,
        "name" character varying(200),
        "password_hash" character varying(100) NOT NULL,
        "roles" text array NOT NULL DEFAULT '{user}',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_users" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_email" ON "users" ("email")`);

    await queryRunner.query(`
      CREATE TABLE "sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "refresh_token_hash" bytea NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "absolute_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "previous_refresh_token_hash" bytea,
        "rotation_nonce" bytea,
        "rotated_at" TIMESTAMP WITH TIME ZONE,
        "user_agent" character varying(512),
        "ip" character varying(64),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "revoked_reason" character varying(32),
        CONSTRAINT "PK_sessions" PRIMARY KEY ("id"),
        CONSTRAINT "FK_sessions_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sessions_refresh_token_hash" ON "sessions" ("refresh_token_hash")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sessions_previous_refresh_token_hash" ON "sessions" ("previous_refresh_token_hash")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_sessions_revoked_at" ON "sessions" ("revoked_at")`);

    await queryRunner.query(`
      CREATE TABLE "rotated_refresh_tokens" (
        "token_hash" bytea NOT NULL,
        "session_id" uuid NOT NULL,
        "rotated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_rotated_refresh_tokens" PRIMARY KEY ("token_hash"),
        CONSTRAINT "FK_rotated_refresh_tokens_session_id" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_rotated_refresh_tokens_session_id" ON "rotated_refresh_tokens" ("session_id")`,
    );

    await queryRunner.query(`
      CREATE TABLE "products" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(200) NOT NULL,
        "description" text,
        "price" numeric(12,2) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_products" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_products_created_at_id" ON "products" ("created_at", "id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "products"`);
    await queryRunner.query(`DROP TABLE "rotated_refresh_tokens"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
