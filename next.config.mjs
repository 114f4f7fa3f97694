/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The AWS SDK and the archive codec run on the server only; keep them out of the client bundle.
  serverExternalPackages: ["@aws-sdk/client-s3", "@aws-sdk/client-dynamodb", "@aws-sdk/client-dynamodb-streams", "@aws-sdk/client-sqs", "@aws-sdk/client-lambda", "@aws-sdk/client-sns"],
};

export default nextConfig;
