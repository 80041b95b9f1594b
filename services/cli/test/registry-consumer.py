"""Reads Cutover topics with Confluent's own Python client and decodes every record with its
AvroDeserializer, which fetches each record's schema by id from the schema registry given: no
Cutover code. Prints one JSON line per topic: the records read, and each decoded value."""
import json
import sys

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

brokers, registry_url, credentials, *topics = sys.argv[1:]
registry = SchemaRegistryClient({"url": registry_url, "basic.auth.user.info": credentials})
deserialize = AvroDeserializer(registry)

for topic in topics:
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"registry-check-{topic}", "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in partitions}
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    values = []
    left = {p for p, end in ends.items() if end > 0}
    while left:
        message = consumer.poll(30)
        if message is None:
            raise SystemExit(f"{topic}: nothing more to read, {len(left)} partition(s) not read to their end")
        if message.error():
            raise SystemExit(f"{topic}: {message.error()}")
        value = deserialize(message.value(), SerializationContext(topic, MessageField.VALUE))
        values.append(value)
        if message.offset() + 1 >= ends[message.partition()]:
            left.discard(message.partition())
    consumer.close()
    print(json.dumps({"topic": topic, "records": len(values), "values": values}, default=repr))
