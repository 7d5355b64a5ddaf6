"""A local SMTP listener for the API fuzz run: takes every message the server's customer
email sends (RFC 5321's commands, as a plain-SMTP client uses them) and keeps none.

Usage: python3 smtp_sink.py PORT
"""

import asyncio
import sys


async def session(reader, writer):
    writer.write(b"220 fuzz-sink ESMTP\r\n")
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            command = line.upper()
            if command.startswith(b"EHLO"):
                writer.write(b"250-fuzz-sink\r\n250 8BITMIME\r\n")
            elif command.startswith(b"DATA"):
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                while True:
                    part = await reader.readline()
                    if not part or part == b".\r\n":
                        break
                writer.write(b"250 OK queued\r\n")
            elif command.startswith(b"QUIT"):
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(session, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
