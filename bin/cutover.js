#!/usr/bin/env node
import process from 'node:process';
import { main } from '@cutover/cli';

process.exitCode = await main(process.argv.slice(2));
