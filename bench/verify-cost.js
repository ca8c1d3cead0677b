'use strict';
// What one access-token signature costs, per algorithm, when the verifier has not seen the token
// before (the first request with it): the HTTP scenarios send one token over and over, which the
// verified-token cache answers after the first request, whatever the algorithm. Runs the built
// code (dist/), single-threaded, in this process: µs of CPU per operation.
const { generateKeyPairSync, randomBytes, randomUUID } = require('node:crypto');
const path = require('node:path');

const DIST = path.resolve(__dirname, '..', 'dist');

function setup(algorithm) {
  const { loadAuthConfig } = require(path.join(DIST, 'config', 'auth.config'));
  const { AccessTokenSigner } = require(path.join(DIST, 'auth', 'keys', 'access-token-signer'));
  const env = { JWT_ALGORITHM: algorithm, DATA_DIR: '/nonexistent-bench-verify-cost' };
  if (algorithm === 'HS256') env.JWT_SECRET = randomBytes(48).toString('base64url');
  else {
    const { privateKey } =
      algorithm === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    env.JWT_PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' });
  }
  const config = loadAuthConfig(env);
  return { config, signer: new AccessTokenSigner(config) };
}

/** µs per sign and per uncached verify, over `count` distinct tokens (best of `rounds`). */
function verifyCost(algorithm, count = 20_000, rounds = 3) {
  const { verifyAccessToken } = require(path.join(DIST, 'auth', 'access-token-verifier'));
  const { config, signer } = setup(algorithm);
  const policy = {
    algorithm,
    keys: config.verificationKeys,
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: 30,
  };
  const claims = { sid: randomUUID(), roles: ['user'] };
  let signUs = Infinity;
  let verifyUs = Infinity;
  for (let round = 0; round < rounds; round += 1) {
    const tokens = new Array(count);
    let started = process.cpuUsage();
    for (let i = 0; i < count; i += 1)
      tokens[i] = signer.sign(claims, {
        subject: randomUUID(),
        jwtid: randomUUID(),
        expiresIn: 900,
      });
    let used = process.cpuUsage(started);
    signUs = Math.min(signUs, (used.user + used.system) / count);
    started = process.cpuUsage();
    for (let i = 0; i < count; i += 1)
      if (!verifyAccessToken(tokens[i], policy).ok)
        throw new Error(`${algorithm}: refused its own token`);
    used = process.cpuUsage(started);
    verifyUs = Math.min(verifyUs, (used.user + used.system) / count);
  }
  return { algorithm, tokens: count, signUs, verifyUs };
}

module.exports = { verifyCost };

if (require.main === module) {
  const smoke = process.argv.includes('--smoke');
  for (const algorithm of ['HS256', 'EdDSA', 'ES256']) {
    const cost = verifyCost(algorithm, smoke ? 200 : 20_000, smoke ? 1 : 3);
    console.log(
      `${algorithm.padEnd(6)} sign ${cost.signUs.toFixed(1)} µs, verify (uncached) ${cost.verifyUs.toFixed(1)} µs`,
    );
  }
}
