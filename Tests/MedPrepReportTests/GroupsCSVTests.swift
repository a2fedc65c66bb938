import Testing
import MedPrepCore
import MedPrepNormalize
@testable import MedPrepReport

@Suite struct GroupsCSVTests {
    @Test func rowsCarryEveryColumnAndQuoteFileNames() {
        var moments = Moments()
        [1.0, 2.0, 4.0].forEach { moments.add($0) }
        let stats = GroupStatistics(sample: 0, group: 1, channels: 2 ..< 4, moments: moments, eps: 1e-5)
        let text = GroupsCSV.render([GroupRow(file: "a,b.nii", statistics: stats)])
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "file,sample,group,channels,count,mean,var,std,min,max,nonfinite")
        let expectedVariance = 14.0 / 9.0
        #expect(lines[1] == "\"a,b.nii\",0,1,2-3,3,\(7.0 / 3.0),\(expectedVariance),\(expectedVariance.squareRoot()),1.0,4.0,0")
    }
}
