import Foundation
import Testing
@testable import MedPrepCore

/// Each test runs its checks on a thread of its own, so that spares left by other tests cannot interfere.
@Suite struct ScratchArraysTests {
    private func onFreshThread(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.start()
        done.wait()
    }

    private func address<Element>(_ array: [Element]) -> UnsafeRawPointer? {
        array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func arraysHaveTheRequestedCount() {
        onFreshThread {
            #expect(ScratchArrays.bytes(count: 3 << 20).count == 3 << 20)
            #expect(ScratchArrays.floats(count: 5).count == 5)
            var spare = ScratchArrays.floats(count: 1 << 20)
            ScratchArrays.recycle(&spare)
            #expect(spare.isEmpty)
            #expect(ScratchArrays.floats(count: (1 << 20) - 7).count == (1 << 20) - 7)
            var again = ScratchArrays.floats(count: 1 << 19)
            ScratchArrays.recycle(&again)
            #expect(ScratchArrays.floats(count: 3 << 19).count == 3 << 19)
        }
    }

    @Test func aRecycledArrayIsReusedOnItsThreadOnly() {
        onFreshThread {
            var first = ScratchArrays.bytes(count: 2 << 20)
            let storage = address(first)
            ScratchArrays.recycle(&first)
            let second = ScratchArrays.bytes(count: 2 << 20)
            #expect(address(second) == storage)
            var third = ScratchArrays.bytes(count: 2 << 20)
            #expect(address(third) != storage)
            let thirdStorage = address(third)
            ScratchArrays.recycle(&third)
            let otherThread = LockedBox<UnsafeRawPointer?>()
            let done = DispatchSemaphore(value: 0)
            Thread {
                let taken = ScratchArrays.bytes(count: 2 << 20)
                otherThread.value = taken.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
                withExtendedLifetime(taken) { done.signal() }
            }.start()
            done.wait()
            #expect(otherThread.value != thirdStorage)
        }
    }

    @Test func theSmallestSpareThatFitsIsTakenAndSmallArraysAreNotKept() {
        onFreshThread {
            var small = ScratchArrays.bytes(count: 1000)
            ScratchArrays.recycle(&small)
            #expect(Spares.current.bytes.isEmpty)
            var sizes = [4 << 20, 2 << 20, 8 << 20].map { ScratchArrays.bytes(count: $0) }
            let twoMiB = address(sizes[1])
            for index in sizes.indices { ScratchArrays.recycle(&sizes[index]) }
            #expect(address(ScratchArrays.bytes(count: 3 << 19)) == twoMiB)
        }
    }

    @Test func atMostThreeSparesOfAKindWaitAndTheLargestAreKept() {
        onFreshThread {
            var arrays = [1, 2, 3, 4].map { ScratchArrays.floats(count: $0 << 18) }
            for index in arrays.indices { ScratchArrays.recycle(&arrays[index]) }
            #expect(Spares.current.floats.map(\.capacity).sorted().first ?? 0 >= 2 << 18)
            #expect(Spares.current.floats.count == 3)
        }
    }
}

/// A value shared between threads under a lock.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?
    var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
