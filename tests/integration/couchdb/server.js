// A CouchDB-compatible _changes server for Longwatch's integration tests:
// express-pouchdb on a LevelDB directory, so data survives a restart.
//   node server.js DATA_DIR [PORT]   (PORT 0 or absent: any free port)
// Prints "PORT <n>" on stdout once listening on 127.0.0.1.
'use strict';
const express = require('express');
const dir = process.argv[2];
const port = Number(process.argv[3] || 0);
if (!dir) {
  console.error('usage: node server.js DATA_DIR [PORT]');
  process.exit(2);
}
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-leveldb'))
  .plugin(require('pouchdb-mapreduce'))
  .plugin(require('pouchdb-replication'));
const DB = PouchDB.defaults({prefix: dir + '/'});
const app = express();
app.use('/', require('express-pouchdb')(DB, {mode: 'minimumForPouchDB', inMemoryConfig: true}));
const server = app.listen(port, '127.0.0.1', () => {
  console.log('PORT ' + server.address().port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
