// Starts the npm router fox-wamp on 127.0.0.1 (ephemeral port, WebSocket at /ws, any realm) for bench/run.
// Prints "listening on 127.0.0.1:PORT" like the other servers.
const http = require('http')
const FoxRouter = require('fox-wamp')

const server = http.createServer()
const router = new FoxRouter()
router.listenWAMP({ server, path: '/ws' })
server.listen(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port}`))
process.on('SIGTERM', () => process.exit(0))
