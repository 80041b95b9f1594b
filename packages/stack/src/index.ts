export { cassandraClient, kafkaClient, mongoClient, s3Client, type CassandraClientOptions } from './clients.js';
export { CASSANDRA_VERSION, KAFKA_VERSION, MONGO_JAVA_SERVER_VERSION, S3PROXY_VERSION, type Distribution } from './distributions.js';
export { StackError, type StackErrorCode } from './errors.js';
export { findJava17, javaMajorVersion } from './java.js';
export { planStack } from './plan.js';
export { SERVER_NAMES, type ServerDefinition, type ServerName } from './server.js';
export { LocalStack, type DownResult, type ServerState, type ServerStatus, type UpResult } from './stack.js';
export { cassandraSmoke, kafkaSmoke, mongoSmoke, s3Smoke, type CassandraSmoke, type KafkaSmoke, type MongoSmoke, type S3Smoke } from './smoke.js';
export { generateCertificates, type Certificates } from './certificates.js';
