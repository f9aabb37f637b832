/**
 * The stylesheet, the live script and the job tools' script, served without a session (the login form needs the one, and
 * neither holds anything secret). Their URLs carry a digest of their content, so a browser may cache
 * them for long and still never runs an old script against new pages.
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { ASSETS_PREFIX } from '../paths.js';
import { JOB_TOOLS_SCRIPT } from './job-tools-script.js';
import { JOB_TOOLS_CSS } from './job-tools-styles.js';
import { LIVE_SCRIPT } from './live-script.js';
import { DASHBOARD_CSS } from './styles.js';

interface Asset {
  name: string;
  contentType: string;
  body: string;
}

const ASSETS: Asset[] = [
  { name: 'dashboard.css', contentType: 'text/css; charset=utf-8', body: DASHBOARD_CSS + JOB_TOOLS_CSS },
  { name: 'dashboard.js', contentType: 'text/javascript; charset=utf-8', body: LIVE_SCRIPT },
  { name: 'job-tools.js', contentType: 'text/javascript; charset=utf-8', body: JOB_TOOLS_SCRIPT },
];

function versionOf(asset: Asset): string {
  return createHash('sha256').update(asset.body).digest('hex').slice(0, 12);
}

function urlOf(name: string): string {
  const asset = ASSETS.find((candidate) => candidate.name === name);
  if (asset === undefined) throw new Error(`dashboard asset ${name} does not exist`);
  return `${ASSETS_PREFIX}${asset.name}?v=${versionOf(asset)}`;
}

export const STYLESHEET_URL = urlOf('dashboard.css');
export const SCRIPT_URL = urlOf('dashboard.js');
export const JOB_TOOLS_SCRIPT_URL = urlOf('job-tools.js');

export function assetRoutes(): Hono {
  const app = new Hono();
  for (const asset of ASSETS) {
    app.get(`${ASSETS_PREFIX}${asset.name}`, (c) => {
      c.header('Content-Type', asset.contentType);
      c.header('Cache-Control', 'public, max-age=86400');
      c.header('X-Content-Type-Options', 'nosniff');
      return c.body(asset.body);
    });
  }
  return app;
}
