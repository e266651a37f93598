// A real OpenID Connect provider on loopback for the portal's SSO tests (tests/sso_provider.py starts it).
//
// node-oidc-provider (certified by the OpenID Foundation) does everything a school's identity provider does:
// discovery, the authorization code flow with PKCE, signed ID tokens and their JWKS, userinfo, RP-initiated
// logout. Only three things are the test's own:
//   - the login page: a form that takes the account (its `sub`) and the authentication methods (`amr`) to claim,
//     standing in for the provider's password and MFA screens;
//   - POST /__test__/accounts: the test says which accounts exist and what their claims are;
//   - POST /__test__/clock: moves the provider's clock, so that an authorization code expires without waiting.
//
// Usage: node server.mjs CONFIG.json   (prints one line `{"issuer": "http://127.0.0.1:PORT"}` when ready)
import { readFileSync } from 'node:fs';
import http from 'node:http';

import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// The provider reads the time through Date.now (lib/helpers/epoch_time.js): shifting it ages every code and token.
const realNow = Date.now;
let clockOffsetMs = 0;
Date.now = () => realNow() + clockOffsetMs;

let accounts = config.accounts || {};

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

const server = http.createServer();
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: { keys: [jwk] },
    cookies: { keys: ['opp-portal-test-provider-cookie-key'] },
    claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { methods: ['S256'], required: () => true },
    ttl: { AuthorizationCode: 60, IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, ...account.claims };
        },
      };
    },
    // The school has agreed to the portal for all its staff: no consent screen.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  const handler = provider.callback();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      if (req.method === 'POST' && url.pathname === '/__test__/accounts') {
        accounts = await readJson(req);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/__test__/clock') {
        clockOffsetMs = (await readJson(req)).offset_seconds * 1000;
        res.writeHead(204).end();
        return;
      }
      const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
      if (match && req.method === 'GET' && !match[2]) {
        const details = await provider.interactionDetails(req, res);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          `<!DOCTYPE html><html lang="en"><title>Test provider</title><form method="post" action="/interaction/${escapeHtml(details.uid)}/login">`
          + '<label>Account <input name="login"></label><label>amr <input name="amr" value="pwd"></label>'
          + '<button>Sign in</button></form></html>');
        return;
      }
      if (match && req.method === 'POST' && match[2]) {
        const form = await readForm(req);
        const login = form.get('login');
        if (!accounts[login]) {
          await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown account' });
          return;
        }
        const amr = (form.get('amr') || 'pwd').split(',').filter(Boolean);
        await provider.interactionFinished(req, res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
        return;
      }
      handler(req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  console.log(JSON.stringify({ issuer }));
});
