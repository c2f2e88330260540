"""The OSS adapter (client, XML, signature) and the OSS simulator."""
