// Starts the npm router wamp.rt on 127.0.0.1 (ephemeral port, wamp.2.json only) for bench/run.
// Prints "listening on 127.0.0.1:PORT" like the other servers.
const http = require('http')
const Router = require('wamp.rt')

const server = http.createServer()
server.listen(0, '127.0.0.1', () => {
  new Router({ server, path: '/ws' })
  console.log(`listening on 127.0.0.1:${server.address().port}`)
})
process.on('SIGTERM', () => process.exit(0))
