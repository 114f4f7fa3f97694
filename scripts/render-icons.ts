/**
 * Renders the console's icons in public/ from public/icon.svg (the tab icon for browsers
 * that take SVG): favicon.ico (16, 32 and 48 px PNGs in an ICO container, for browsers and tools
 * that ask for /favicon.ico), the web app icons, and the Apple touch icon (square, no
 * transparency: iOS rounds the corners itself). Run with `npx tsx scripts/render-icons.ts`
 * after changing the SVG; it uses the Chromium the browser tests use.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "@playwright/test";

const svg = readFileSync("public/icon.svg", "utf8");
const square = svg.replace(/ rx="[^"]*"/, "");
const browser = await chromium.launch({ executablePath: process.env.LAZARUS_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage();

async function render(source: string, size: number): Promise<Buffer> {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0">${source.replace("<svg ", `<svg width="${size}" height="${size}" `)}</body></html>`);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}

function ico(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, png }) => {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size, 0);
    entry.writeUInt8(size, 1);
    entry.writeUInt16LE(1, 4);
    entry.writeUInt16LE(32, 6);
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

writeFileSync("public/icon-192.png", await render(svg, 192));
writeFileSync("public/icon-512.png", await render(svg, 512));
writeFileSync("public/apple-touch-icon.png", await render(square, 180));
writeFileSync("public/favicon.ico", ico(await Promise.all([16, 32, 48].map(async (size) => ({ size, png: await render(svg, size) })))));
await browser.close();
