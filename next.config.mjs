/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // CI type-checks the whole project (`npm run typecheck`) before it builds for the browser
  // tests, and sets this so that the build does not repeat the same check.
  typescript: { ignoreBuildErrors: process.env.LAZARUS_BUILD_SKIP_TYPECHECK === "1" },
  // A clean CI clone never reads the build cache back, and writing it took a sixth of the build there.
  experimental: { turbopackFileSystemCacheForBuild: !process.env.CI },
  // The AWS SDK and the archive codec run on the server only; keep them out of the client bundle.
  serverExternalPackages: ["@aws-sdk/client-s3", "@aws-sdk/client-dynamodb", "@aws-sdk/client-dynamodb-streams", "@aws-sdk/client-sqs", "@aws-sdk/client-lambda", "@aws-sdk/client-sns"],
};

export default nextConfig;
