// A loopback HTTP server (the JDK's com.sun.net.httpserver) that serves canned responses in
// order, one per request, and records every request it receives.
package ai.gemini_image

import com.sun.net.httpserver.HttpServer
import java.net.InetAddress
import java.net.InetSocketAddress
import java.util.ArrayDeque
import java.util.concurrent.Executors

class Loopback : AutoCloseable {
    private val lock = Any()
    private val queue = ArrayDeque<Canned>()
    private val recorded = mutableListOf<Observed>()
    private var overflowCount = 0
    private val executor = Executors.newCachedThreadPool { r -> Thread(r, "loopback").apply { isDaemon = true } }
    private val server: HttpServer = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)

    init {
        server.createContext("/") { exchange ->
            exchange.use {
                val body = it.requestBody.readAllBytes()
                val headers = it.requestHeaders.entries.flatMap { (k, vs) -> vs.map { v -> k to v } }
                val canned = synchronized(lock) {
                    recorded += Observed(it.requestMethod, it.requestURI.toString(), headers, body)
                    queue.pollFirst().also { c -> if (c == null) overflowCount++ }
                }
                if (canned == null) {
                    val msg = "no canned response left".toByteArray()
                    it.sendResponseHeaders(599, msg.size.toLong())
                    it.responseBody.write(msg)
                    return@use
                }
                for ((k, v) in canned.headers) it.responseHeaders.add(k, v)
                if (canned.isSse && canned.headers.none { h -> h.first.equals("content-type", true) }) {
                    it.responseHeaders.add("content-type", "text/event-stream")
                }
                it.sendResponseHeaders(canned.status, if (canned.body.isEmpty()) -1 else canned.body.size.toLong())
                if (canned.body.isNotEmpty()) it.responseBody.write(canned.body)
            }
        }
        server.executor = executor
        server.start()
    }

    val url: String get() = "http://127.0.0.1:${server.address.port}"

    fun push(responses: List<Canned>) = synchronized(lock) { queue.addAll(responses) }

    fun takeRequests(): List<Observed> = synchronized(lock) { recorded.toList().also { recorded.clear() } }

    /** Requests received since the last [takeRequests] (an error carries no attempt count). */
    val requestCount: Int get() = synchronized(lock) { recorded.size }

    val unserved: Int get() = synchronized(lock) { queue.size }

    val overflow: Int get() = synchronized(lock) { overflowCount }

    override fun close() {
        server.stop(0)
        executor.shutdownNow()
    }
}
